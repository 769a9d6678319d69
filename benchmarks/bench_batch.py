"""``modkit batch`` end to end on generated replies: full run, incremental run, local vs Dask.

Writes ``N`` replies (1,000,000 by default) as Disqus-style pages of
:data:`REPLIES_PER_PAGE` replies each (:mod:`modkit.synth`), then measures, each in a
fresh process (:mod:`_harness`):

- the full run with the embedded scorers (``lite`` + ``conspiracy``) and reports:
  replies per second and peak memory (target < 2 GB: parts are scored chunk by chunk);
- an incremental run after adding 1% new pages, as a ratio of the full run's time
  (target <= 10%);
- the full run on the Dask engine (a LocalCluster of 2 worker processes) against the
  local engine, as a ratio (peak memory there is the driver's only).

Usage: python benchmarks/bench_batch.py [--quick] [N_REPLIES]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import measure, report  # noqa: E402

#: Replies per generated page: a long comment section, so a million replies make 1,000 pages.
REPLIES_PER_PAGE = 1000
#: Share of new pages in the incremental run.
INCREMENTAL_SHARE = 0.01
QUICK_REPLIES = 50_000
FULL_REPLIES = 1_000_000
DASK_WORKERS = 2
#: Page bytes per part: ~4 MB (about 40 generated pages) keeps each task's frame small
#: and gives the Dask engine enough tasks to share between its workers.
PART_BYTES = 4 * 2**20


def write_pages(d: str, first: int, n_pages: int) -> None:
    from modkit.synth import iter_disqus_dump

    for i in range(first, first + n_pages):
        sub = Path(d, f"site{i % 10}")
        sub.mkdir(parents=True, exist_ok=True)
        with open(sub / f"page{i:06d}.txt", "w", encoding="utf-8") as fh:
            for line in iter_disqus_dump(REPLIES_PER_PAGE, seed=i):
                fh.write(line + "\n")


def batch(pages: str, state: str, out: str, engine: str) -> dict:
    from modkit.batch import run_batch

    config = {"batch": {"part_bytes": PART_BYTES, "workers": DASK_WORKERS, "report_formats": ["md", "json"]}}
    return run_batch(pages, state, out, config, engine=engine).to_dict()


def main(n: int = FULL_REPLIES) -> dict:
    n_pages = max(1, n // REPLIES_PER_PAGE)
    n_new = max(1, round(n_pages * INCREMENTAL_SHARE))
    with tempfile.TemporaryDirectory() as d:
        pages = os.path.join(d, "pages")
        write_pages(pages, 0, n_pages)
        full = measure(batch, pages, f"{d}/state", f"{d}/out", "local")
        assert full["result"]["rows_written"] == n_pages * REPLIES_PER_PAGE, full["result"]
        write_pages(pages, n_pages, n_new)
        inc = measure(batch, pages, f"{d}/state", f"{d}/out", "local")
        assert inc["result"]["rows_written"] == n_new * REPLIES_PER_PAGE, inc["result"]
        shutil.rmtree(os.path.join(d, "out"))
        dask = None
        try:
            import distributed  # noqa: F401

            dask = measure(batch, pages, f"{d}/state_dask", f"{d}/out_dask", "dask")
        except ImportError:
            print("bench_batch: dask not installed; skipping the dask comparison")
    rows = {
        "replies": n_pages * REPLIES_PER_PAGE,
        "pages": n_pages,
        "full_s": round(full["seconds"], 1),
        "replies_per_s": round(n_pages * REPLIES_PER_PAGE / full["seconds"]),
        "full_peak_mb": round(full["peak_mb"]),
        "threads_reported": full["result"]["threads_reported"],
        "incremental_new_pages": n_new,
        "incremental_s": round(inc["seconds"], 2),
        "incremental_ratio": round(inc["seconds"] / full["seconds"], 3),
        "incremental_target": "<= 0.10",
        "peak_target_mb": "< 2048",
    }
    if dask is not None:
        # dask ran on the 101% input; scale the local time to the same size for the ratio.
        local_same_size = full["seconds"] * (n_pages + n_new) / n_pages
        rows.update({"dask_workers": DASK_WORKERS, "dask_s": round(dask["seconds"], 1),
                     "dask_vs_local_time_ratio": round(dask["seconds"] / local_same_size, 3),
                     "dask_driver_peak_mb": round(dask["peak_mb"])})
    report("batch", rows)
    return rows


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--quick"]
    main(int(args[0]) if args else QUICK_REPLIES if "--quick" in sys.argv else FULL_REPLIES)
