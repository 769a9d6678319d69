"""Escalation reports for 10,000 threads, and evidence that report time grows linearly with replies.

Two series are measured side by side in one run. Each point runs in a fresh process, so its peak
memory belongs to it alone.

- **More threads**: 1,250 / 2,500 / 5,000 / 10,000 threads of about 20 replies each, with every
  report and the index written in Markdown, HTML and JSON (the largest point is the 10,000-thread
  run).
- **Bigger threads**: a single thread of 1,000 / 4,000 / 16,000 replies, written in all three
  formats. This series exercises the per-thread detectors (paths, exchanges, subtrees) on large
  trees.

Each point reports seconds per reply and its ratio to the smallest point of the same series.
Linear time keeps the ratios near 1. Quadratic time would multiply the ratio by about the size
ratio (8x or 16x across a series). The analysis time (:func:`modkit.report.thread_reports`, no
rendering) is also reported for the largest many-threads point.

The threads are synthetic. Each has random nesting, an author pool of 12, and a flattened
alternating two-author exchange whose scores rise, so the detectors have real work to do.

Usage: python benchmarks/bench_report.py [--quick]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import measure, report  # noqa: E402

#: Replies per thread in the many-threads series: a typical news comment thread.
REPLIES_PER_THREAD = 20
#: Deepest nesting of the generated trees (Disqus-style pages flatten beyond a few levels).
MAX_DEPTH = 8
#: Flag threshold the generated flag_reasons use (the score stage's default).
FLAG = 0.5


def scored_table(n_threads: int, replies: int, seed: int = 7):
    """A synthetic scored table: ``n_threads`` threads of ``replies`` replies each."""
    import pandas as pd

    rng = random.Random(seed)
    rows = []
    for t in range(n_threads):
        tid = f"t{t:06d}"
        stack: list[tuple[str, int]] = []
        exchange_at = rng.randrange(replies)
        k = 0
        while k < replies:
            if k == exchange_at and stack:
                # A flattened back-and-forth: two authors alternate under one parent, rising.
                parent, depth = stack[-1]
                turns = min(6, replies - k)
                for j in range(turns):
                    rows.append(_row(tid, f"{tid}-{k}", parent, depth + 1, k, f"u{j % 2}", 0.1 + 0.15 * j, rng))
                    k += 1
                continue
            depth = rng.randint(0, min(len(stack), MAX_DEPTH)) if stack else 0
            del stack[depth:]
            parent = stack[-1][0] if stack else None
            cid = f"{tid}-{k}"
            rows.append(_row(tid, cid, parent, depth, k, f"u{rng.randrange(12)}", rng.betavariate(1.2, 4), rng))
            stack.append((cid, depth))
            k += 1
    return pd.DataFrame(rows)


def _row(tid: str, cid: str, parent: str | None, depth: int, pos: int, author: str, tox: float,
         rng: random.Random) -> dict:
    tox = min(tox, 1.0)
    con = rng.betavariate(1, 8)
    reasons = [a for a, v in sorted((("toxicity", tox), ("conspiracy", con)), key=lambda av: -av[1]) if v >= FLAG]
    return {"thread_id": tid, "comment_id": cid, "parent_id": parent, "depth": depth, "position": pos,
            "author": author, "timestamp": None, "text": f"reply {pos} " + "words " * rng.randint(3, 40),
            "quotes": [], "flags": [], "source": f"{tid}.html", "platform": "synthetic", "title": f"Thread {tid}",
            "toxicity": round(tox, 4), "conspiracy": round(con, 4), "conspiracy_cues": [],
            "flagged": bool(reasons), "flag_reasons": reasons, "toxicity_scorer": "synthetic-1",
            "conspiracy_scorer": "synthetic-1"}


def run_report(n_threads: int, replies: int, analysis_only: bool = False) -> dict:
    """Build the table (untimed), then time writing every report and the index."""
    from modkit.report import report as write_reports
    from modkit.report import thread_reports

    table = scored_table(n_threads, replies)
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        n = len(thread_reports(table)) if analysis_only else len(write_reports(table, out))
        seconds = time.perf_counter() - t0
        files = sum(1 for _ in Path(out).rglob("*.*"))
    return {"threads": n, "replies": len(table), "report_seconds": seconds, "files": files}


def _series(points: list[tuple[int, int]], analysis_only: bool = False) -> list[dict]:
    rows = []
    for n_threads, replies in points:
        m = measure(run_report, n_threads, replies, analysis_only)
        res = m["result"]
        rows.append({"threads": res["threads"], "replies": res["replies"], "files": res["files"],
                     "seconds": round(res["report_seconds"], 3),
                     "us_per_reply": round(res["report_seconds"] / res["replies"] * 1e6, 1),
                     "peak_mb": round(m["peak_mb"])})
    base = rows[0]["us_per_reply"]
    for r in rows:
        r["per_reply_ratio"] = round(r["us_per_reply"] / base, 2)
    return rows


def main(quick: bool = False) -> dict:
    many = [(1_250, REPLIES_PER_THREAD), (2_500, REPLIES_PER_THREAD), (5_000, REPLIES_PER_THREAD),
            (10_000, REPLIES_PER_THREAD)]
    big = [(1, 1_000), (1, 4_000), (1, 16_000)]
    if quick:
        many, big = many[:2], big[:2]
    rows = {
        "more_threads": _series(many),
        "bigger_threads": _series(big),
        "analysis_only_largest": _series([many[-1]], analysis_only=True)[0],
    }
    worst = max(r["per_reply_ratio"] for series in ("more_threads", "bigger_threads") for r in rows[series])
    rows["worst_per_reply_ratio"] = worst
    rows["linear"] = worst < 2.0  # quadratic growth would show 8-16x across these series
    report("report", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
