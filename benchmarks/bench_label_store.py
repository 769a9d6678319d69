"""Label store throughput: decisions per second on SQLite and PostgreSQL, with 1 and 4 concurrent writers.

A decision is what one reviewer keystroke costs the store: ``append`` of a label event, committed
durably (SQLite ``synchronous=FULL``; PostgreSQL's default ``synchronous_commit=on``). Two workloads:

- **append**: each writer appends its decisions (its own items), as with private queues;
- **shared queue**: each writer takes the next item with ``claim`` and then appends its decision, on
  one single-review queue shared by all writers (row locks on PostgreSQL, the write lock on SQLite).

Every configuration runs in the same run, against a fresh store, writers in their own processes
(opened before the clock starts). Results are decisions/s and the ratio to SQLite with one writer.
PostgreSQL is a throwaway local server (:mod:`modkit.review.pgserver`, Debian's ``postgresql``
package), reached over TCP on 127.0.0.1; a team's server over a network adds its round trips.
Skipped, with a message, where psycopg or the server binaries are missing.

Usage: python benchmarks/bench_label_store.py [--quick]
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import report  # noqa: E402

WRITERS = (1, 4)


def _writer(location: str, who: str, n: int, items: list[str] | None, ready, go) -> None:
    from modkit.review.store import Event, LabelStore

    store = LabelStore(location)
    ready.release()
    go.wait()
    labels = {"toxic": True, "conspiracy": False}
    if items is None:
        for i in range(n):
            store.append(Event(f"{who}-{i}", "h", who, "label", labels))
    else:
        # As a reviewer's session does: ask with the rest of the queue past the last item served.
        where = {item: k for k, item in enumerate(items)}
        pos = 0
        while (item := store.claim(items[pos:], who)) is not None:
            store.append(Event(item, "h", who, "label", labels))
            pos = where[item] + 1
    store.close()


def decisions_per_second(location: str, writers: int, total: int, shared: bool) -> float:
    """Run ``writers`` processes making ``total`` decisions between them; decisions per wall-clock second."""
    from modkit.review.store import LabelStore

    LabelStore(location).close()  # schema created before the clock starts
    ctx = mp.get_context("fork")
    ready, go = ctx.Semaphore(0), ctx.Event()
    items = [f"i{k:06d}" for k in range(total)] if shared else None
    procs = [ctx.Process(target=_writer, args=(location, f"w{w}", total // writers, items, ready, go))
             for w in range(writers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    t0 = time.perf_counter()
    go.set()
    for p in procs:
        p.join()
    seconds = time.perf_counter() - t0
    if any(p.exitcode for p in procs):
        raise RuntimeError("a writer failed")
    n = sum(1 for _ in LabelStore(location).events())
    if n != total:
        raise RuntimeError(f"{n} events written, expected {total}")
    return total / seconds


def main(total: int = 2000) -> dict | None:
    try:
        import psycopg  # noqa: F401

        from modkit.review.pgserver import TempPostgres, server_bin
    except ImportError:
        print("bench_label_store: skipped (psycopg not installed: pip install -e '.[postgres]')")
        return None
    if server_bin() is None:
        print("bench_label_store: skipped (no PostgreSQL server binaries: apt-get install postgresql)")
        return None
    pg = TempPostgres().start()
    rows: dict = {"decisions": total}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for workload, shared in (("append", False), ("shared_queue", True)):
                out = {}
                for backend in ("sqlite", "postgresql"):
                    for writers in WRITERS:
                        where = (str(Path(tmp) / f"{workload}-{writers}.sqlite") if backend == "sqlite"
                                 else pg.create_database(f"{workload}_{writers}_"))
                        out[f"{backend}_{writers}_writers_per_s"] = round(
                            decisions_per_second(where, writers, total, shared), 1)
                base = out["sqlite_1_writers_per_s"]
                out["ratio_to_sqlite_1_writer"] = {k.removesuffix("_per_s"): round(v / base, 2)
                                                   for k, v in out.items()}
                rows[workload] = out
    finally:
        pg.stop()
    report("label_store", rows)
    return rows


if __name__ == "__main__":
    main(400 if "--quick" in sys.argv else 2000)
