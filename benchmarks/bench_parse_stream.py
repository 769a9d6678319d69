"""Streaming parse of a generated Disqus-style dump with 1,000,000 comments.

Reports comments per second and peak memory for ``modkit parse DUMP -o OUT.parquet``
(the library path the command runs), and the ratio against the I/O floor measured
side by side: reading and splitting the same file's lines without parsing.
Targets: >= 50,000 comments/s, < 2 GB peak.

Usage: python benchmarks/bench_parse_stream.py [N_COMMENTS]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import best_of, report  # noqa: E402


def write_dump(path: str, n: int) -> int:
    from modkit.synth import iter_disqus_dump

    with open(path, "w", encoding="utf-8") as fh:
        for line in iter_disqus_dump(n, seed=42):
            fh.write(line + "\n")
    return os.path.getsize(path)


def read_lines(path: str) -> int:
    """The floor: decode and split the file into lines, nothing else."""
    n = 0
    with open(path, encoding="utf-8") as fh:
        for _ in fh:
            n += 1
    return n


def parse_to_parquet(path: str, out: str) -> int:
    from modkit.parse import stream_file
    from modkit.tables import CommentWriter, comment_row

    with CommentWriter(out) as writer:
        for thread, comments in stream_file(path):
            writer.write_rows(comment_row(thread, c) for c in comments)
    return writer.rows_written


def main(n: int = 1_000_000) -> dict:
    with tempfile.TemporaryDirectory() as d:
        dump, out = os.path.join(d, "dump.txt"), os.path.join(d, "out.parquet")
        size = write_dump(dump, n)
        floor = best_of(2, read_lines, dump)
        parsed = best_of(2, parse_to_parquet, dump, out)
        assert parsed["result"] == n, f"parsed {parsed['result']} of {n} comments"
        rows = {
            "comments": n,
            "dump_mb": round(size / 2**20, 1),
            "comments_per_s": round(n / parsed["seconds"]),
            "peak_mb": round(parsed["peak_mb"]),
            "seconds": round(parsed["seconds"], 2),
            "read_lines_seconds": round(floor["seconds"], 2),
            "ratio_vs_read_lines": round(parsed["seconds"] / floor["seconds"], 1),
            "target": ">= 50,000 comments/s and < 2048 MB",
            "meets_target": n / parsed["seconds"] >= 50_000 and parsed["peak_mb"] < 2048,
        }
    report("parse_stream", rows)
    return rows


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
