"""modkit versus trafilatura's comment extraction on the real WordPress pages.

trafilatura (``extract(include_comments=True)``) finds comment text but no reply
tree; modkit recovers the tree. Both run on the same pages in the same process,
interleaved, best of several rounds; the benchmark reports pages per second for
each and the throughput ratio (modkit / trafilatura, > 1 means modkit is faster).

Usage: python benchmarks/bench_trafilatura.py   (needs ../shared/datasets and the bench extra)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import report  # noqa: E402

PAGES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "threads" / "trafilatura_wordpress"


def _time(fn, texts, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for name, text in texts:
            fn(text, name)
        best = min(best, time.perf_counter() - t0)
    return best


def main(rounds: int = 7) -> dict | None:
    if not PAGES.exists():
        print(f"skipped: {PAGES} not present")
        return None
    import trafilatura

    from modkit.parse import parse_text

    texts = [(p.name, p.read_text(encoding="utf-8", errors="replace")) for p in sorted(PAGES.glob("*.html"))]
    found = {name: sum(t.n_comments for t in parse_text(text, name)) for name, text in texts}

    def modkit_parse(text, name):
        return parse_text(text, name)

    def trafilatura_extract(text, name):
        return trafilatura.extract(text, include_comments=True)

    modkit_parse(*texts[0][::-1])  # warm imports for both sides
    trafilatura_extract(texts[0][1], "")
    t_mod, t_tra = 0.0, 0.0
    for _ in range(2):  # interleave so machine noise hits both sides alike
        t_mod += _time(modkit_parse, texts, rounds)
        t_tra += _time(trafilatura_extract, texts, rounds)
    rows = {
        "pages": len(texts),
        "comments_found_by_modkit": found,
        "modkit_pages_per_s": round(2 * len(texts) / t_mod, 1),
        "trafilatura_pages_per_s": round(2 * len(texts) / t_tra, 1),
        "throughput_ratio_modkit_over_trafilatura": round(t_tra / t_mod, 2),
    }
    report("wordpress_vs_trafilatura", rows)
    return rows


if __name__ == "__main__":
    main()
