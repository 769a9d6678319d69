"""Shared benchmark plumbing: run a function in a fresh process, report time and peak memory.

Each measurement runs in its own subprocess so peak RSS belongs to that workload
alone; benchmarks compare against a reference measured the same way, in the same
run, and report the ratio (absolute times on a shared machine mislead).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import resource
import time
from collections.abc import Callable


def _child(fn: Callable[..., object], args: tuple, conn) -> None:
    t0 = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send({"seconds": seconds, "peak_mb": peak_kb / 1024, "result": result})
    conn.close()


def measure(fn: Callable[..., object], *args: object) -> dict:
    """Run ``fn(*args)`` in a fresh process; returns seconds, peak MB and its result."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, args, child))
    proc.start()
    child.close()
    out = parent.recv()
    proc.join()
    return out


def best_of(n: int, fn: Callable[..., object], *args: object) -> dict:
    """The fastest of ``n`` measurements (the least disturbed by other load)."""
    runs = [measure(fn, *args) for _ in range(n)]
    return min(runs, key=lambda r: r["seconds"])


def report(name: str, rows: dict) -> None:
    print(json.dumps({"benchmark": name, **rows}, indent=2))
