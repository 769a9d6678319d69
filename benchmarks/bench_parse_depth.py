"""Parse time against nesting depth: linear, so a hostile page cannot stall a run.

Workloads generated here, each a single reply chain (every comment answers the previous one):

- Reddit API JSON, 2,000 / 8,000 / 32,000 replies deep (parents by id, no markup nesting);
- WordPress HTML and Disqus HTML, 500 / 1,000 / 2,000 comments nested in ``ul.children`` (two
  container levels per comment; pages nested deeper than :data:`modkit.parse.html.MAX_NESTING`
  levels are refused, since HTML tree construction itself grows with the square of the depth).

Reports seconds per reply at each size and the ratio of the largest to the smallest (1.0 = linear;
4.0 = quadratic over a 4x step). Also times pages nested past the cap (WordPress 20,000 comments
deep, Disqus 8,000), to show they are refused fast.

Usage: python benchmarks/bench_parse_depth.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import report  # noqa: E402


def reddit_chain(n: int) -> str:
    return json.dumps([{"id": f"c{i}", "parent_id": "t3_x" if i == 0 else f"t1_c{i - 1}", "link_id": "t3_x",
                        "author": f"u{i % 7}", "body": f"reply {i}", "created_utc": 1540000000 + i}
                       for i in range(n)])


def wordpress_chain(n: int) -> str:
    head = ('<html><head><title>T</title></head><body><article><h1>T</h1><p>Body</p></article>'
            f'<div id="comments"><h2>{n} thoughts on &ldquo;T&rdquo;</h2><ol class="comment-list">')
    items = "".join(f'<li class="comment depth-{i + 1}" id="comment-{i + 1}"><article class="comment-body">'
                    f'<footer class="comment-meta"><b class="fn">u{i % 7}</b></footer><div class="comment-content">'
                    f'<p>reply {i}</p></div></article><ul class="children">' for i in range(n))
    return head + items + "</ul></li>" * n + "</ol></div></body></html>"


def disqus_chain(n: int) -> str:
    head = ('<!DOCTYPE html><html><head><title>T</title></head><body><article><h1>T</h1></article>'
            '<div id="disqus_thread"><section id="conversation"><ul id="post-list" class="post-list">')
    items = "".join(f'<li class="post" id="post-{i}"><div class="post-content" data-role="post-content">'
                    f'<div class="post-body"><span class="post-byline"><span class="author">u{i % 7}</span>'
                    f'</span><div class="post-message" data-role="message"><p>reply {i}</p></div></div></div>'
                    f'<ul class="children" data-role="children">' for i in range(n))
    return head + items + "</ul></li>" * n + "</ul></section></div></body></html>"


def _time(path: Path) -> float:
    from modkit.parse import parse_file

    t0 = time.perf_counter()
    parse_file(path)
    return time.perf_counter() - t0


def main() -> dict:
    from modkit.errors import ParseError
    from modkit.parse import parse_file

    out: dict = {}
    with tempfile.TemporaryDirectory() as d:
        for name, make, sizes, ext in (("reddit_json_chain", reddit_chain, (2_000, 8_000, 32_000), "json"),
                                       ("wordpress_nested", wordpress_chain, (500, 1_000, 2_000), "html"),
                                       ("disqus_nested", disqus_chain, (500, 1_000, 2_000), "html")):
            per_reply = {}
            for n in sizes:
                path = Path(d) / f"{name}{n}.{ext}"
                path.write_text(make(n), encoding="utf-8")
                parse_file(path) if n == sizes[0] else None  # warm the imports and caches
                per_reply[n] = _time(path) / n
            out[name] = {"us_per_reply": {n: round(v * 1e6, 1) for n, v in per_reply.items()},
                         "ratio_largest_over_smallest": round(per_reply[sizes[-1]] / per_reply[sizes[0]], 2)}
        for name, make, n in (("wordpress_nested_20000", wordpress_chain, 20_000),
                              ("disqus_nested_8000", disqus_chain, 8_000)):
            deep = Path(d) / f"{name}.html"
            deep.write_text(make(n), encoding="utf-8")
            t0 = time.perf_counter()
            try:
                parse_file(deep)
                refused = False
            except ParseError:
                refused = True
            out[f"{name}_refused"] = {"refused": refused, "seconds": round(time.perf_counter() - t0, 2)}
    report("parse_depth", out)
    return out


if __name__ == "__main__":
    main()
