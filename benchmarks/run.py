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

import bench_batch  # noqa: E402
import bench_cascade  # noqa: E402
import bench_conspiracy  # noqa: E402
import bench_detoxify_int8_fidelity  # noqa: E402
import bench_detoxify_speed  # noqa: E402
import bench_identity_bias  # noqa: E402
import bench_label_store  # noqa: E402
import bench_parse_depth  # noqa: E402
import bench_parse_stream  # noqa: E402
import bench_report  # noqa: E402
import bench_toxicity_quality  # noqa: E402
import bench_toxicity_speed  # noqa: E402
import bench_trafilatura  # noqa: E402


def main() -> None:
    quick = "--quick" in sys.argv
    results = {
        "parse_stream": bench_parse_stream.main(100_000 if quick else 1_000_000),
        "parse_depth": bench_parse_depth.main(),
        "wordpress_vs_trafilatura": bench_trafilatura.main(rounds=2 if quick else 7),
        "conspiracy": bench_conspiracy.main(5_000 if quick else 50_000),
        "report": bench_report.main(quick),
        "batch": bench_batch.main(bench_batch.QUICK_REPLIES if quick else bench_batch.FULL_REPLIES),
        "toxicity_speed": bench_toxicity_speed.main(rounds=2 if quick else 5),
        "toxicity_quality": bench_toxicity_quality.main(folds=3 if quick else 5, n_boot=200 if quick else 1000),
        "identity_bias": bench_identity_bias.main(10_000 if quick else None),
        # these two print a skip message and return None without the detoxify extra
        "detoxify_speed": bench_detoxify_speed.main(100 if quick else 300, rounds=1 if quick else 2),
        "detoxify_int8_fidelity": bench_detoxify_int8_fidelity.main(300 if quick else 2000),
        # the MiniLM cascade: skipped (with a message) unless the encoder is installed and built
        "cascade": bench_cascade.main(500 if quick else 3000, rounds=1 if quick else 2),
        # skipped (with a message) without psycopg or PostgreSQL's server binaries
        "label_store": bench_label_store.main(400 if quick else 2000),
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    path = out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
