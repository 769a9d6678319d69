"""Scheduled batch scoring (``modkit batch``): parse, score and report only what changed.

:func:`run_batch` composes the stage functions and nothing else: it finds the
pages under ``input_dir`` that are new or changed since the last run (content
hashes in ``state_dir``), parses and scores them (:mod:`~.engines`: here, or on a
Dask cluster), writes the rows as Parquet parts (:mod:`~.outputs`), then rewrites
the reports of the threads that changed with :func:`modkit.report.report`.

Outputs under ``out_dir``:

- ``scores/run=<run_id>/part-<n>.parquet``: one row per scored reply, with
  ``thread_id`` and ``page`` columns; ``pandas.read_parquet(out_dir / "scores")``
  reads them all as one table (plus a ``run`` column). A changed page's rows
  replace its old ones, so the table never holds a reply twice.
- ``reports/threads/<thread>.*``: the latest report of every thread; ``reports/index.*``
  ranks every thread reported so far (threads are reported in groups of at most
  :data:`REPORT_ROWS` replies to bound memory; the index rows live in the manifest).
- ``runs/<run_id>.json``: the :class:`RunSummary` of each run.

Crash safety. A run holds ``STATE/lock`` (``flock``) throughout. A part is written
under a temporary name, fsynced, recorded in the manifest together with its pages
(one SQLite transaction), then renamed into ``scores/``. A run killed at any point
(``kill -9`` included) leaves every part complete or absent; the next run moves
recorded-but-unrenamed parts into place, deletes unrecorded leftovers, finishes the
removal of superseded rows, scores the pages that were not recorded, and reports the
threads of every part whose reports were not recorded (reports are committed state).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from modkit.batch import outputs
from modkit.batch.config import BatchConfig, load_config
from modkit.batch.engines import Chunk, ChunkResult, ScoreOptions, run_dask, run_local
from modkit.batch.state import Manifest, PageRecord, RunLock, RunLockedError
from modkit.errors import ConfigError
from modkit.parse import iter_files
from modkit.parse.decode import display_path, not_a_page
from modkit.report import ReportConfig, parse_formats, report, write_index
from modkit.score import score

__all__ = ["run_batch", "RunSummary", "BatchConfig", "load_config", "RunLockedError", "EXIT_OK", "EXIT_ERROR",
           "EXIT_PAGES_FAILED", "EXIT_LOCKED"]

log = logging.getLogger(__name__)

#: Exit codes of ``modkit batch`` (and :attr:`RunSummary.exit_code`).
EXIT_OK = 0
#: A configuration or environment error: nothing was changed, or the run stopped.
EXIT_ERROR = 1
#: The run finished, but some pages could not be parsed; they are retried next run.
EXIT_PAGES_FAILED = 3
#: Another run holds the state directory; nothing was done (safe to ignore in cron).
EXIT_LOCKED = 4

REPORTS_DIR = "reports"
RUNS_DIR = "runs"
#: Bytes read at a time when hashing a page.
HASH_BLOCK = 1 << 20
#: Scored rows per call to :func:`modkit.report.report`: reports cost about 2 KB of memory
#: per row, so a run that changes a million replies reports them in groups of whole threads.
REPORT_ROWS = 100_000
#: Lock file of the output directory (hidden beside ``scores/`` and ``reports/``).
OUT_LOCK_FILE = ".lock"


@dataclass
class RunSummary:
    """What a batch run did; written to ``OUT/runs/<run_id>.json`` and printed by the CLI.

    Examples
    --------
    >>> RunSummary("r1", "local").exit_code
    0
    >>> RunSummary("r1", "local", failures={"bad.txt": "empty file"}).exit_code
    3
    """

    run_id: str
    engine: str
    started: str = ""
    finished: str = ""
    seconds: float = 0.0
    pages_seen: int = 0
    pages_new: int = 0
    pages_changed: int = 0
    pages_unchanged: int = 0
    pages_scored: int = 0
    pages_missing: int = 0
    pages_retired: int = 0
    #: Pages found at a new path with the same content (old path -> new path): not scored again.
    moved: dict[str, str] = field(default_factory=dict)
    rows_written: int = 0
    parts_written: int = 0
    threads_reported: int = 0
    #: Over every thread in the index (not just this run's), for a scheduler to alert on.
    threads_by_level: dict[str, int] = field(default_factory=dict)
    flagged_replies: int = 0
    recovered: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_PAGES_FAILED if self.failures else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pages_failed": len(self.failures), "exit_code": self.exit_code}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _new_run_id() -> str:
    # Sortable by start time; the random suffix keeps two runs in one second apart.
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(2)


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def _resolve(config: BatchConfig | Mapping[str, Any] | str | Path | None, **overrides: Any) -> BatchConfig:
    if config is None or isinstance(config, (str, Path)):
        cfg = load_config(config)
    elif isinstance(config, BatchConfig):
        cfg = config
    elif isinstance(config, Mapping):
        cfg = BatchConfig.from_dict(config)
    else:
        raise ConfigError(f"config must be a BatchConfig, a dict or a TOML path, got {type(config).__name__}")
    cfg = cfg.override(**overrides)
    # named as the command line spells them; a library caller reads the parameter name beside it
    for name, flag in (("input_dir", "the INPUT_DIR argument"), ("state_dir", "--state DIR"),
                       ("out_dir", "-o/--output DIR")):
        if getattr(cfg, name) is None:
            raise ConfigError(f"no {name} given: pass {flag} (run_batch: {name}=) or set batch.{name} in the "
                              "config file")
    if not cfg.input_dir.is_dir():
        raise ConfigError(f"{cfg.input_dir}: input directory not found")
    return cfg


def _unreadable(path: Path, rel: str) -> str | None:
    """Why a directory entry cannot be scored (``None`` when it can): see :func:`~modkit.parse.decode.not_a_page`;
    a name that is not UTF-8 cannot be stored in the state either."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return "skipped, the file name is not UTF-8 (shown escaped); rename the file to score it"
    return not_a_page(path)


def _scan(input_dir: Path, manifest: Manifest, summary: RunSummary, own: tuple[Path, ...] = ()) -> list[PageRecord]:
    """Pages new or changed since the last run. Size and mtime unchanged means unchanged
    (as rsync assumes); otherwise the content hash decides, so a touched file is not rescored.
    A new path whose content is that of a known page now missing from the input, under the
    same file name, is that page moved: its rows are renamed, not scored again (a renamed
    file may change its thread ids, so it is scored afresh). Files under ``own`` (the state
    and output directories, if inside the input) are skipped."""
    known = manifest.pages()
    todo: list[PageRecord] = []
    touched: list[PageRecord] = []
    seen: set[str] = set()
    for path in iter_files([input_dir]):
        rel = path.relative_to(input_dir).as_posix()
        problem = _unreadable(path, rel)  # checked first: resolving a symlink loop would raise
        if problem:
            summary.failures[display_path(rel)] = problem
            continue
        if any(path.resolve().is_relative_to(d) for d in own):
            continue
        seen.add(rel)
        st = path.stat()
        old = known.get(rel)
        if old and (old.size, old.mtime_ns) == (st.st_size, st.st_mtime_ns):
            summary.pages_unchanged += 1
            continue
        rec = PageRecord(rel, st.st_size, st.st_mtime_ns, _file_hash(path))
        if old and old.hash == rec.hash:
            summary.pages_unchanged += 1
            touched.append(PageRecord(rel, rec.size, rec.mtime_ns, rec.hash, old.part))
            continue
        if old:
            summary.pages_changed += 1
        todo.append(rec)
    manifest.touch(touched)
    todo = _moves(manifest, known, seen, todo, summary)
    summary.pages_seen = len(seen)
    summary.pages_missing = len(set(known) - seen - set(summary.moved))
    return todo


def _moves(manifest: Manifest, known: dict[str, PageRecord], seen: set[str], todo: list[PageRecord],
           summary: RunSummary) -> list[PageRecord]:
    """Record the new paths in ``todo`` that are known pages moved to another folder; the rest stay to do.

    A known page not ``seen`` in this run's walk of the input is gone from its old path.
    """
    if all(rec.page in known for rec in todo):
        return todo  # nothing new (the usual scheduled run): no move to look for
    missing = {}
    for page, rec in known.items():
        if rec.part and page not in seen:
            missing.setdefault((rec.hash, PurePosixPath(page).name), page)
    left: list[PageRecord] = []
    for rec in todo:
        if rec.page in known:  # changed in place
            left.append(rec)
            continue
        old = missing.pop((rec.hash, PurePosixPath(rec.page).name), None)
        if old is None:
            summary.pages_new += 1
            left.append(rec)
            continue
        manifest.move(old, rec)
        summary.moved[old] = rec.page
        log.info("page %s moved to %s: its rows are kept", old, rec.page)
    return left


def _plan(input_dir: Path, todo: list[PageRecord], part_bytes: int) -> list[Chunk]:
    """Group pages, in path order, into chunks of about ``part_bytes`` of page files each."""
    chunks: list[Chunk] = []
    current: list[str] = []
    size = 0
    for rec in sorted(todo, key=lambda r: r.page):
        current.append(rec.page)
        size += rec.size
        if size >= part_bytes:
            chunks.append(Chunk(len(chunks), str(input_dir), tuple(current)))
            current, size = [], 0
    if current:
        chunks.append(Chunk(len(chunks), str(input_dir), tuple(current)))
    return chunks


def _groups(sizes: Mapping[str, int], max_rows: int) -> Iterator[list[str]]:
    """Keys in sorted order, grouped so each group's sizes sum to at most ``max_rows``
    (a single key larger than that is a group of its own).

    Examples
    --------
    >>> list(_groups({"a": 2, "b": 2, "c": 5, "d": 1}, 4))
    [['a', 'b'], ['c'], ['d']]
    """
    group: list[str] = []
    rows = 0
    for key in sorted(sizes):
        if group and rows + sizes[key] > max_rows:
            yield group
            group, rows = [], 0
        group.append(key)
        rows += sizes[key]
    if group:
        yield group


def _clean_dirty(out_dir: Path, manifest: Manifest) -> int:
    """Drop superseded rows from the parts that hold them (idempotent, so safe to redo)."""
    parts = manifest.dirty_parts()
    for part in parts:
        manifest.cleaned(part, outputs.rewrite_without_stale(out_dir, part, manifest.live_pages(part),
                                                             manifest.moves(part)))
    return len(parts)


def _recover(out_dir: Path, manifest: Manifest) -> dict[str, int]:
    """Bring the outputs back in line with the manifest after a killed run."""
    published = forgotten = 0
    for part in manifest.parts():
        if (out_dir / outputs.SCORES_DIR / part).exists():
            continue
        if outputs.publish(out_dir, part):
            published += 1
        else:  # deleted by hand: score its pages again
            n = manifest.forget_part(part)
            log.warning("part %s is missing; its %d pages will be scored again", part, n)
            forgotten += 1
    strays = outputs.stray_files(out_dir, manifest.parts())
    for p in strays:
        p.unlink(missing_ok=True)
    cleaned = _clean_dirty(out_dir, manifest)
    done = {"parts_published": published, "parts_forgotten": forgotten, "strays_removed": len(strays),
            "parts_cleaned": cleaned}
    if any(done.values()):
        log.warning("recovered from an unfinished run: %s", done)
    return done


def _report(out: Path, manifest: Manifest, formats: tuple[str, ...], config: ReportConfig,
            threads: dict[str, int], gone_threads: set[str] = frozenset(), labels: Path | None = None,
            summary: RunSummary | None = None) -> int:
    """Report the threads of every part that has no reports yet (this run's, and any a killed run
    left), merge them into the index of all threads, and record both in the manifest at once.

    Reports are part of the committed state: until :meth:`Manifest.record_reports` runs, the
    parts stay owed, so a run killed while reporting is finished by the next one."""
    parts = [p for p in manifest.unreported_parts() if (out / outputs.SCORES_DIR / p).exists()]
    if not formats:
        manifest.record_reports(parts, {})
        return 0
    owed = dict(threads)
    for part in parts:
        for tid, n in outputs.part_threads(out, part).items():
            owed.setdefault(tid, n)
    index = manifest.index_entries()
    for _, row in index.values():
        row["changed"] = False  # the rows this run rewrites are marked afresh by report()
    decisions = None
    if labels is not None:
        from modkit.review.decisions import final_decisions, with_decisions

        decisions = final_decisions(labels)
    vanished = gone_threads - outputs.threads_present(out, gone_threads) if gone_threads else set()
    if vanished:  # threads of deleted pages: their reports and index lines go
        for tid in vanished:
            row = index.pop(tid, (None, {}))[1]
            for fmt in ("md", "html", "json"):
                if row.get(fmt):
                    (out / REPORTS_DIR / row[fmt]).unlink(missing_ok=True)
        manifest.drop_index_entries(vanished)
        write_index(out / REPORTS_DIR, index.values(), formats, config)
    reported = 0
    for group in _groups(owed, REPORT_ROWS):
        frame = outputs.read_threads(out, group)
        if decisions is not None:
            frame = with_decisions(frame, decisions)[0]
        reported += len(report(frame, out / REPORTS_DIR, formats=formats, config=config, index=index))
    manifest.record_reports(parts, index)
    if summary is not None:
        rows = [row for _, row in index.values()]
        summary.threads_by_level = {lvl: n for lvl in ("urgent", "intervene", "watch", "none", "unscored")
                                    if (n := sum(r.get("level") == lvl for r in rows))}
        summary.flagged_replies = sum(int(r.get("n_flagged") or 0) for r in rows)
    if reported:
        log.info("reported %d threads in %s (%d in the index)", reported, out / REPORTS_DIR, len(index))
    return reported


def _engine(cfg: BatchConfig, chunks: list[Chunk], options: ScoreOptions) -> Iterator[ChunkResult]:
    if cfg.engine == "dask":
        return run_dask(chunks, options, cfg.scheduler, cfg.workers, cfg.processes)
    return run_local(chunks, options)


def _write_summary(out_dir: Path, summary: RunSummary) -> Path:
    path = out_dir / RUNS_DIR / f"{summary.run_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(summary.to_json() + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def run_batch(input_dir: str | Path | None = None, state_dir: str | Path | None = None,
              out_dir: str | Path | None = None, config: BatchConfig | Mapping[str, Any] | str | Path | None = None,
              engine: str | None = None, scheduler: str | None = None) -> RunSummary:
    """Parse, score and report the pages that are new or changed since the last run.

    Parameters
    ----------
    input_dir : str or Path, optional
        Page files (searched recursively, as :func:`modkit.parse.iter_files` does).
    state_dir : str or Path, optional
        The manifest of scored pages and the run lock; keep it with the outputs.
    out_dir : str or Path, optional
        Where ``scores/``, ``reports/`` and ``runs/`` go (see the module docstring).
    config : BatchConfig, dict, TOML path or None
        Settings (see :mod:`modkit.batch.config`); the arguments above override them.
    engine : {"local", "dask"}, optional
        Where parsing and scoring run (default: the config's, else ``local``).
    scheduler : str, optional
        Address of a Dask scheduler to join (dask engine); a LocalCluster otherwise.

    Returns
    -------
    RunSummary
        Counts, failures (page -> reason) and :attr:`RunSummary.exit_code`.

    Raises
    ------
    ConfigError
        Bad settings, unknown scorers or thresholds, missing directories.
    RunLockedError
        Another run holds ``state_dir``.

    Examples
    --------
    >>> import tempfile, os
    >>> from modkit.synth import render_disqus_text
    >>> d = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(d, "pages"))
    >>> _ = open(os.path.join(d, "pages", "a.txt"), "w").write(
    ...     render_disqus_text("T", "B.", [(0, "ann", "Hi"), (1, "bob", "shut up, idiot")]))
    >>> s = run_batch(f"{d}/pages", f"{d}/state", f"{d}/out", {"batch": {"report_formats": ["md"]}})
    >>> s.pages_new, s.rows_written, s.threads_reported, s.exit_code
    (1, 2, 1, 0)
    >>> run_batch(f"{d}/pages", f"{d}/state", f"{d}/out", {"batch": {"report_formats": ["md"]}}).rows_written
    0
    >>> len(pd.read_parquet(f"{d}/out/scores"))
    2
    """
    cfg = _resolve(config, input_dir=Path(input_dir) if input_dir is not None else None,
                   state_dir=Path(state_dir) if state_dir is not None else None,
                   out_dir=Path(out_dir) if out_dir is not None else None, engine=engine, scheduler=scheduler)
    formats = parse_formats(cfg.report_formats) if cfg.report_formats else ()
    report_cfg = ReportConfig.from_dict(cfg.report)
    options = ScoreOptions(cfg.toxicity, cfg.conspiracy, cfg.context, dict(cfg.thresholds), cfg.page_format)
    # One tiny call checks scorer names and thresholds before any state changes.
    score(pd.DataFrame({"text": ["ok"]}), toxicity=options.toxicity, conspiracy=options.conspiracy,
          context=options.context, thresholds=options.thresholds)
    input_dir, out = cfg.input_dir.resolve(), cfg.out_dir
    summary = RunSummary(_new_run_id(), cfg.engine, started=_now())
    t0 = time.perf_counter()
    # The output directory is locked too: two runs with different state directories must not interleave there.
    with RunLock(cfg.state_dir), RunLock(out, OUT_LOCK_FILE):
        manifest = Manifest(cfg.state_dir)
        try:
            summary.recovered = _recover(out, manifest)
            todo = _scan(input_dir, manifest, summary, (cfg.state_dir.resolve(), out.resolve()))
            gone_threads: set[str] = set()
            if cfg.retire_deleted:
                gone = [p for p in manifest.pages() if not os.path.lexists(input_dir / p)]
                if gone:
                    gone_threads = outputs.threads_of_pages(out, gone)
                    manifest.retire(gone)  # their parts turn dirty: _clean_dirty drops the rows below
                    summary.pages_retired = len(gone)
                    log.info("retired %d pages deleted from the input", len(gone))
            log.info("run %s: %d pages seen, %d new, %d changed, %d moved, %d unchanged", summary.run_id,
                     summary.pages_seen, summary.pages_new, summary.pages_changed, len(summary.moved),
                     summary.pages_unchanged)
            by_page = {r.page: r for r in todo}
            threads: dict[str, int] = {}
            chunks = _plan(input_dir, todo, cfg.part_bytes)
            for res in _engine(cfg, chunks, options):
                for page, reason in res.failures.items():
                    log.error("page %s failed (retried next run): %s", page, reason)
                summary.failures.update(res.failures)
                part = outputs.part_name(summary.run_id, res.index) if len(res.frame) else None
                if part is not None:
                    outputs.stage_part(res.frame, out, part)
                # The commit point: the pages are done exactly when their part is recorded.
                manifest.commit(part, summary.run_id, len(res.frame), [by_page[p] for p in res.done])
                if part is not None:
                    outputs.publish(out, part)
                    summary.parts_written += 1
                    for tid, n in res.frame["thread_id"].value_counts().items():
                        threads[tid] = threads.get(tid, 0) + int(n)
                summary.rows_written += len(res.frame)
                summary.pages_scored += len(res.done)
                log.info("part %d/%d: %d pages, %d rows, %d failed", res.index + 1, len(chunks), len(res.done),
                         len(res.frame), len(res.failures))
            _clean_dirty(out, manifest)
            summary.threads_reported = _report(out, manifest, formats, report_cfg, threads, gone_threads,
                                               cfg.labels, summary)
        finally:
            manifest.close()
    summary.finished = _now()
    summary.seconds = round(time.perf_counter() - t0, 3)
    _write_summary(out, summary)
    log.info("run %s finished in %.1fs: %d pages scored, %d failed, %d rows", summary.run_id, summary.seconds,
             summary.pages_scored, len(summary.failures), summary.rows_written)
    return summary
