"""Where parsing and scoring run: in this process (``local``) or on a Dask cluster (``dask``).

Both engines run the same task, :func:`process_chunk`, on the same chunks of pages,
and yield one :class:`ChunkResult` per chunk (the dask engine in completion order);
the caller writes the parts. So the two engines produce the same rows by
construction. Dask and distributed are an optional extra, imported only here and
only when the dask engine runs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from modkit.batch.outputs import PAGE
from modkit.errors import ConfigError, ModkitError
from modkit.model import COMMENT_COLUMNS
from modkit.parse import stream_file
from modkit.score import score
from modkit.tables import comment_row

__all__ = ["ScoreOptions", "Chunk", "ChunkResult", "process_chunk", "run_local", "run_dask"]

log = logging.getLogger(__name__)

#: Seconds to wait for an external Dask scheduler before giving up with a one-line error.
CONNECT_TIMEOUT_S = 30


@dataclass(frozen=True)
class ScoreOptions:
    """What each task needs to parse and score its pages (small and picklable)."""

    toxicity: str = "auto"
    conspiracy: str = "auto"
    context: bool = True
    thresholds: Mapping[str, float] = field(default_factory=dict)
    page_format: str | None = None


@dataclass(frozen=True)
class Chunk:
    """Pages (relative to ``input_dir``) whose rows go to part number ``index``."""

    index: int
    input_dir: str
    pages: tuple[str, ...]


@dataclass
class ChunkResult:
    """A chunk's scored rows, the pages that made them, and the pages that failed."""

    index: int
    frame: pd.DataFrame
    done: list[str]
    failures: dict[str, str]


def process_chunk(chunk: Chunk, options: ScoreOptions) -> ChunkResult:
    """Parse and score the pages of one chunk; a bad page is reported, the others go on.

    Examples
    --------
    >>> import tempfile, os
    >>> from modkit.synth import render_disqus_text
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "a.txt"), "w").write(render_disqus_text("T", "B.", [(0, "ann", "Hi")]))
    >>> _ = open(os.path.join(d, "b.txt"), "wb").write(b"")
    >>> res = process_chunk(Chunk(0, d, ("a.txt", "b.txt")), ScoreOptions())
    >>> res.frame[["page", "text"]].to_dict("records"), res.done, list(res.failures)
    ([{'page': 'a.txt', 'text': 'Hi'}], ['a.txt'], ['b.txt'])
    """
    rows: list[dict] = []
    done: list[str] = []
    failures: dict[str, str] = {}
    for page in chunk.pages:
        try:
            # Streaming keeps a huge dump's lines out of memory; its rows are needed for scoring anyway.
            page_rows = [{**comment_row(t, c), PAGE: page}
                         for t, comments in stream_file(Path(chunk.input_dir) / page, options.page_format)
                         for c in comments]
        except (ModkitError, OSError, UnicodeError) as exc:
            failures[page] = str(exc)
            continue
        rows.extend(page_rows)
        done.append(page)
    frame = pd.DataFrame(rows, columns=[*COMMENT_COLUMNS, PAGE])
    if len(frame):
        frame = score(frame, toxicity=options.toxicity, conspiracy=options.conspiracy, context=options.context,
                      thresholds=dict(options.thresholds))
    return ChunkResult(chunk.index, frame, done, failures)


def run_local(chunks: Sequence[Chunk], options: ScoreOptions) -> Iterator[ChunkResult]:
    """Process the chunks one after another in this process."""
    for chunk in chunks:
        yield process_chunk(chunk, options)


def run_dask(chunks: Sequence[Chunk], options: ScoreOptions, scheduler: str | None = None,
             workers: int = 2, processes: bool = True) -> Iterator[ChunkResult]:
    """Process the chunks on a Dask cluster; yields results as they complete.

    ``scheduler`` joins a running cluster (its workers need modkit installed and the
    input directory at the same path); otherwise a ``LocalCluster`` of ``workers``
    single-threaded workers is started and shut down with the run.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError("the dask engine needs dask and distributed: pip install 'modkit[dask]'") from None
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT_S))
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"cannot reach the Dask scheduler {scheduler!r} ({exc})") from None
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1,
                                                       processes=processes, dashboard_address=":0",
                                                       silence_logs=logging.WARNING))
            client = stack.enter_context(Client(cluster))
        log.info("dask engine: %d chunks on %s (dashboard %s)", len(chunks), client.scheduler.address,
                 client.dashboard_link)
        futures = client.map(process_chunk, list(chunks), options=options, pure=False)
        for fut in as_completed(futures):
            result = fut.result()
            fut.release()  # let the worker drop the frame once it is here
            yield result
