"""Run every benchmark: ``make bench`` (or ``python benchmarks/run.py [--quick]``).

Results print as JSON and are saved under ``benchmarks/results/``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_parse_stream  # noqa: E402
import bench_trafilatura  # noqa: E402


def main() -> None:
    quick = "--quick" in sys.argv
    results = {
        "parse_stream": bench_parse_stream.main(100_000 if quick else 1_000_000),
        "wordpress_vs_trafilatura": bench_trafilatura.main(rounds=2 if quick else 7),
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    path = out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
