"""The ``modkit`` command: a thin typer layer over the library functions.

Each command reads its inputs, calls the library, and writes or renders the
result. Errors a user can cause are :class:`~modkit.errors.ModkitError`; the one
catcher in :func:`main` prints ``Error: <message>`` and exits 1.

Exit codes: 0 success; 1 an error, or some inputs failed (each named on stderr)
while the rest were written; 2 bad usage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

from modkit.console import err, flagged_table, language_summary, out, parse_summary, say, thread_tree
from modkit.errors import ConfigError, ModkitError, ParseError, UnknownPluginError
from modkit.parse import FileResult, iter_files, iter_parse, stream_file
from modkit.parse.summary import ThreadSummary
from modkit.registry import page_formats

if TYPE_CHECKING:
    import pandas as pd


class _UntypedFlags:
    """Flags take no value, so their help rows show no ``<bool>`` type (typer labels every option)."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for p in params:
            if getattr(p, "is_flag", False) and p.metavar is None:
                p.metavar = ""
        return params


class _Command(_UntypedFlags, TyperCommand):
    """A modkit command."""


class _Group(_UntypedFlags, TyperGroup):
    """The one catcher: a :class:`ModkitError` becomes ``Error: <message>`` and exit 1 (exit 2, bad usage,
    for a bad option value or setting), and so does an operating-system error (an output location that
    cannot be created or written, a full disk)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (ConfigError, UnknownPluginError) as exc:  # a bad option value or setting: bad usage
            say(f"Error: {exc}")
            raise typer.Exit(2) from None
        except ModkitError as exc:
            say(f"Error: {exc}")
            raise typer.Exit(1) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            say(f"Error: {where}{exc.strerror or exc}")
            raise typer.Exit(1) from None


app = typer.Typer(cls=_Group, help="Moderation toolkit for comment threads.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
export_app = typer.Typer(cls=_Group, help="Write threads in other tools' formats.", no_args_is_help=True)
app.add_typer(export_app, name="export")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"modkit {version('modkit')}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                   help="Print modkit's version and exit.")] = False) -> None:
    """Moderation toolkit for comment threads."""

Paths = Annotated[list[Path], typer.Argument(help="Page files or directories (searched recursively).",
                                             show_default=False)]
FormatOpt = Annotated[str | None, typer.Option("--format", "-f", help="Page format; detected per file "
                                               "when omitted (see `modkit formats`).")]


class _StderrLines(logging.Handler):
    """Library warnings (odd encodings, skipped bytes) as one plain line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"warning: {record.getMessage()}")


class NothingRead(ModkitError):
    """Every input failed: the output is left as it was (a mistyped path must not replace good output)."""


def _check_read(failures: list[str], n_read: int, output: Path) -> None:
    """Stop, writing nothing, when inputs were given and none of them could be read."""
    if failures and n_read == 0:
        raise NothingRead(f"nothing was read ({len(failures)} input{'s' if len(failures) > 1 else ''} failed); "
                          f"{output} left as it was")


def _walk(paths: list[Path], fmt: str | None, failures: list[str]) -> Iterator[FileResult]:
    """Parse ``paths``, reporting each bad file on one stderr line; yields good results."""
    if fmt:
        page_formats.get(fmt)  # an unknown name fails before any file is read
    for res in iter_parse(paths, fmt):
        if res.error:
            failures.append(res.error)
            say(f"error: {res.error}")
            continue
        yield res


@app.command(cls=_Command)
def parse(paths: Paths, output: Annotated[Path | None, typer.Option(
              "-o", "--output", help="Write one row per comment to .jsonl, .parquet or .csv.")] = None,
          fmt: FormatOpt = None) -> None:
    """Parse saved pages into reply trees; print them, or write a comments table.

    Example: modkit parse seeds/ -o comments.parquet
    """
    from modkit.tables import CommentWriter, comment_row, table_format

    failures: list[str] = []
    summaries: list[ThreadSummary] = []
    if output is None:
        for res in _walk(paths, fmt, failures):
            for t in res.threads:
                out.print(thread_tree(t))
                out.print()
                summaries.append(ThreadSummary.of(t))
    else:
        table_format(output)  # a bad extension fails before any parsing
        if fmt:
            page_formats.get(fmt)
        n_read = 0
        with CommentWriter(output) as writer:
            for path in iter_files(paths):
                try:
                    # Streaming keeps a million-comment dump out of memory.
                    for thread, comments in stream_file(path, fmt):
                        s = ThreadSummary(thread)
                        writer.write_rows(comment_row(thread, c) for c in s.count(comments))
                        summaries.append(s)
                    n_read += 1
                except ParseError as exc:
                    failures.append(str(exc))
                    say(f"error: {exc}")
            _check_read(failures, n_read, output)  # raising here discards the half-written table
        say(f"wrote {writer.rows_written} comments to {output}")
    err.print(parse_summary(summaries, len(failures)))
    if failures:
        raise typer.Exit(1)


@export_app.command("convokit", cls=_Command)
def export_convokit(paths: Paths, output: Annotated[Path, typer.Option(
                        "-o", "--output", help="Corpus directory to write (replaced if it exists).")],
                    fmt: FormatOpt = None) -> None:
    """Parse pages and write a ConvoKit corpus directory.

    Example: modkit export convokit seeds/ -o corpus/
    """
    from modkit.export.convokit import export_convokit as _export

    failures: list[str] = []
    threads = (t for res in _walk(paths, fmt, failures) for t in res.threads)
    counts = _export(threads, output)
    say(f"wrote ConvoKit corpus {output}: {counts['conversations']} conversations, "
        f"{counts['utterances']} utterances, {counts['speakers']} speakers")
    if failures:
        raise typer.Exit(1)


TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")


def _comments_from(paths: list[Path], fmt: str | None, failures: list[str], output: Path) -> pd.DataFrame:
    """Tables are read as they are; pages and directories are parsed first. Nothing read: :class:`NothingRead`."""
    import pandas as pd

    from modkit.tables import read_comments, threads_to_frame

    if paths and all(p.suffix.lower() in TABLE_SUFFIXES and p.is_file() for p in paths):
        return pd.concat([read_comments(p) for p in paths], ignore_index=True)
    results = list(_walk(paths, fmt, failures))
    _check_read(failures, len(results), output)
    return threads_to_frame(t for res in results for t in res.threads)


def _thresholds(values: list[str]) -> dict[str, float]:
    out_: dict[str, float] = {}
    for v in values:
        attr, sep, num = v.partition("=")
        try:
            out_[attr.strip()] = float(num)
        except ValueError:
            raise ConfigError(f"--threshold {v!r}: expected ATTR=VALUE, e.g. toxicity=0.7") from None
        if not sep:
            raise ConfigError(f"--threshold {v!r}: expected ATTR=VALUE, e.g. toxicity=0.7")
    return out_


@app.command(cls=_Command)
def score(inputs: Annotated[list[Path], typer.Argument(
              help="Pages or directories (parsed first), or comment tables (.jsonl/.csv/.parquet with a "
                   "text column).", show_default=False)],
          output: Annotated[Path, typer.Option("-o", "--output", help="Scores table: .jsonl, .parquet or .csv.")],
          toxicity: Annotated[str, typer.Option(
              help="auto (lite, cascaded into modkit's MiniLM where it can run) | cascade | lite | "
                   "detoxify[:MODEL] | model:PATH | none")] = "auto",
          conspiracy: Annotated[str, typer.Option(
              help="auto (conspiracy, cascaded into modkit's MiniLM where it can run) | cascade | conspiracy | "
                   "model:PATH | none")] = "auto",
          cascade_band: Annotated[str, typer.Option(
              help="Fast scores re-read by the MiniLM encoder in a cascade, LOW:HIGH.")] = "0.1:0.9",
          checkpoint: Annotated[str | None, typer.Option(help="Local Detoxify checkpoint (.ckpt).")] = None,
          threshold: Annotated[list[str] | None, typer.Option(
              help="Flag threshold ATTR=VALUE; repeat for several.")] = None,
          no_context: Annotated[bool, typer.Option("--no-context", help="Score replies without their "
                                                   "parent's text.")] = False,
          cache: Annotated[Path | None, typer.Option(help="Score cache file (default: the user cache).")] = None,
          no_cache: Annotated[bool, typer.Option("--no-cache", help="Score everything afresh.")] = False,
          top: Annotated[int, typer.Option(help="How many flagged replies to print.")] = 10,
          jobs: Annotated[int, typer.Option(help="Scoring processes for big tables (-1: one per core).")] = -1,
          fmt: FormatOpt = None) -> None:
    """Score replies for toxicity and conspiracy framing, in context; print the most flagged.

    Example: modkit score seeds/ -o scores.parquet --threshold toxicity=0.7
    """
    from rich.progress import Progress

    import modkit.score as stage
    from modkit.score.cache import ScoreCache, default_cache_path
    from modkit.score.cascade import encoder_status, parse_band
    from modkit.tables import table_format, write_table

    table_format(output)  # fail on a bad extension before any work
    limits = _thresholds(threshold or [])
    band = parse_band(cascade_band)
    failures: list[str] = []
    comments = _comments_from(inputs, fmt, failures, output)
    for spec, kind in ((toxicity, "toxicity"), (conspiracy, "conspiracy")):
        stage.check_spec(spec, kind)
    if "auto" in (toxicity, conspiracy) and encoder_status() is not None:
        say(encoder_status())
    store = None if no_cache else ScoreCache(cache or default_cache_path())
    with Progress(console=err, transient=True, disable=len(comments) < 5000) as bar:
        task = bar.add_task("scoring", total=len(comments))
        scored = stage.score(comments, toxicity=toxicity, conspiracy=conspiracy, context=not no_context,
                             thresholds=limits, checkpoint=checkpoint, cache=store,
                             progress=lambda done, total: bar.update(task, completed=done), n_jobs=jobs, band=band)
    write_table(scored, output)
    say(f"wrote {len(scored)} scored replies to {output}")
    unread = language_summary(scored)
    if unread:
        say(unread)
    if top > 0:
        out.print(flagged_table(scored, top))
    if failures:
        raise typer.Exit(1)


@app.command(cls=_Command)
def report(inputs: Annotated[list[Path], typer.Argument(
               help="Scored tables from `modkit score` (.jsonl/.csv/.parquet), or pages or directories "
                    "(parsed and scored first, which also fills the coverage warnings).", show_default=False)],
           output: Annotated[Path, typer.Option("-o", "--output", help="Directory for the reports and index.")],
           formats: Annotated[str, typer.Option("--format", help="Comma-separated: md, html, json.")] = "md,html,json",
           config: Annotated[Path | None, typer.Option(help="TOML file whose [report] section sets "
                                                       "thresholds.")] = None,
           toxicity: Annotated[str, typer.Option(help="Scorer for pages: auto | cascade | lite | "
                                                 "detoxify[:MODEL] | model:PATH | none")] = "auto",
           conspiracy: Annotated[str, typer.Option(help="Scorer for pages: auto | cascade | conspiracy | "
                                                   "model:PATH | none")] = "auto",
           top: Annotated[int, typer.Option(help="How many threads of the ranked index to print.")] = 20,
           labels: Annotated[Path | None, typer.Option(
               "--labels", help="Label store (SQLite) whose final decisions override the scores: a reply "
                                "marked fine is never evidence, one marked toxic is confirmed.")] = None,
           page_format: Annotated[str | None, typer.Option("--page-format", help="Page format of page inputs; "
                                                           "detected per file when omitted.")] = None) -> None:
    """Write per-thread escalation reports and an index ranked by risk; print the index.

    Example: modkit report scores.parquet -o reports/ --format md,html --labels labels/labels.sqlite
    """
    import modkit.report as stage
    from modkit.report.terminal import index_table
    from modkit.tables import read_table, threads_to_frame

    fmts = stage.parse_formats(formats)  # bad options fail before any work
    cfg = stage.ReportConfig.from_toml(config) if config else None
    failures: list[str] = []
    coverage = None
    if inputs and all(p.suffix.lower() in TABLE_SUFFIXES and p.is_file() for p in inputs):
        import pandas as pd

        scored = pd.concat([read_table(p) for p in inputs], ignore_index=True)
    else:
        import modkit.score as scoring

        results = list(_walk(inputs, page_format, failures))
        _check_read(failures, len(results), output)
        threads = [t for res in results for t in res.threads]
        coverage = {t.thread_id: t.coverage_warnings() for t in threads}
        scored = scoring.score(threads_to_frame(threads), toxicity=toxicity, conspiracy=conspiracy)
    if labels is not None:
        from modkit.review.decisions import final_decisions, with_decisions

        decisions = final_decisions(labels)
        scored, stale = with_decisions(scored, decisions)
        decided = int(scored["review"].notna().sum())
        from modkit.review.store import redact

        say(f"{redact(labels)}: {decided} replies decided by moderators"
            + (f"; {stale} decisions set aside because the reply's text changed since review" if stale else ""))
    index = stage.report(scored, output, formats=fmts, config=cfg, coverage=coverage)
    out.print(index_table(index, top))
    say(f"wrote {len(index)} thread reports and the index to {output}")
    if failures:
        raise typer.Exit(1)


TextColOpt = Annotated[str, typer.Option(help="Column with the reply's text (Davidson: tweet).")]
LabelColOpt = Annotated[str | None, typer.Option(help="Column with the label (default: the target's column; "
                                                 "toxicity reads an export's `toxic`).")]
ParentColOpt = Annotated[str | None, typer.Option(help="Column with the parent's text (default: parent_text; "
                                                  "gc_dev: parent).")]
PositiveOpt = Annotated[str | None, typer.Option(help="Comma-separated label values that count as positive, "
                                                 "for non-binary labels (Davidson class: 0,1; PAN category: "
                                                 "CONSPIRACY).")]
NBootOpt = Annotated[int, typer.Option(help="Bootstrap resamples of the 95% intervals (0: none).")]
#: modkit.train.metrics.N_BOOTSTRAP, written out so `modkit --help` need not import scikit-learn.
N_BOOT = 1000


def _positive(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@app.command(cls=_Command)
def train(data: Annotated[Path, typer.Argument(help="Labelled table: a `modkit labels export`, or any "
                                               ".jsonl/.csv/.parquet/.json table with text and label columns.")],
          target: Annotated[str, typer.Option(help="toxicity | conspiracy | any label column name.")],
          output: Annotated[Path, typer.Option("-o", "--output", help="Model file to write (.skops); the "
                                               "model card goes beside it (.md).")],
          features: Annotated[str, typer.Option(help="text or text,context (also read the parent's text).")]
          = "text,context",
          text_column: TextColOpt = "text", label_column: LabelColOpt = None, parent_column: ParentColOpt = None,
          group_column: Annotated[str | None, typer.Option(help="Thread column for grouped folds (default: "
                                                           "thread_id); COL:SEP groups by the value before the "
                                                           "first SEP (gc_dev: id:.).")] = None,
          positive: PositiveOpt = None,
          model: Annotated[str, typer.Option("--model", help="Model family: tfidf (word + character TF-IDF "
                                             "logistic regression), conspiracy (TF-IDF stacked with the cue "
                                             "counts), lite (the embedded toxicity model's design).")] = "tfidf",
          compare: Annotated[str | None, typer.Option(help="Comma-separated families to cross-validate on the same "
                                                      "folds, e.g. tfidf, lite:text, apc (alt-profanity-check).")]
          = None,
          also_train: Annotated[list[Path] | None, typer.Option(metavar="PATH", help="More labelled rows (same columns) trained on "
                                                                "in every fold, never measured. Repeatable.")] = None,
          threshold_rule: Annotated[str, typer.Option(help="What the flag threshold maximises: f1 or mcc.")] = "f1",
          n_boot: NBootOpt = N_BOOT) -> None:
    """Train a classifier from labels: cross-validate by thread, then fit on all rows; print the metrics.

    Example: modkit train labels/seeds.jsonl --target toxicity -o toxic.skops

    Example: modkit train pan.csv --target conspiracy --features text --model conspiracy --compare tfidf
    --threshold-rule mcc -o conspiracy.skops
    """
    import pandas as pd
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from modkit.tables import read_table
    from modkit.train import train as fit

    extra = pd.concat([read_table(p) for p in also_train], ignore_index=True) if also_train else None
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} fits"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("training", total=None)

        def show(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        trained, rep = fit(read_table(data), target, features.split(","), model=model,
                           compare=[c for c in (compare or "").split(",") if c.strip()], auxiliary=extra,
                           threshold_rule=threshold_rule, text_column=text_column, label_column=label_column,
                           parent_column=parent_column, group_column=group_column, positive=_positive(positive),
                           n_boot=n_boot, data_name=data.name, progress=show)
    path = trained.save(output, rep)
    out.print(_metrics_table(rep))
    for note in rep.notes:
        say(note)
    say(f"wrote {path} and its model card {path.with_suffix('.md')} (threshold {trained.threshold:.3g})")


@app.command(cls=_Command)
def evaluate(model: Annotated[str, typer.Argument(help="Model file from `modkit train`, or a scorer: lite, "
                                              "conspiracy, detoxify, model:PATH.")],
             data: Annotated[Path, typer.Argument(help="Labelled table (same forms as `modkit train`).")],
             target: Annotated[str | None, typer.Option(help="Default: the model's target.")] = None,
             compare: Annotated[str | None, typer.Option(help="Also score with: lite | conspiracy | "
                                                         "model:PATH (paired differences).")] = None,
             text_column: TextColOpt = "text", label_column: LabelColOpt = None,
             parent_column: ParentColOpt = None, positive: PositiveOpt = None,
             features: Annotated[str | None, typer.Option(
                 help="text (the replies alone) or text,context (with the parent's text); default: with the "
                      "parents when the data has them.")] = None,
             n_boot: NBootOpt = N_BOOT) -> None:
    """Measure a trained model on labelled rows, side by side with another scorer when asked.

    Example: modkit evaluate toxic.skops test.jsonl --compare lite

    Example: modkit evaluate lite gn.csv --label-column label --features text
    """
    from modkit.tables import read_table
    from modkit.train import evaluate as measure
    from modkit.train.trainer import resolve_model

    trained = resolve_model(model)  # a bad or untrusted model file fails before the data are read
    rows = read_table(data)
    with err.status(f"scoring {len(rows):,} rows and bootstrapping the intervals ..."):
        rep = measure(trained, rows, target, text_column=text_column, label_column=label_column,
                      parent_column=parent_column, positive=_positive(positive), compare_with=compare,
                      features=features.split(",") if features else None, n_boot=n_boot, data_name=data.name)
    out.print(_metrics_table(rep))
    for note in rep.notes:
        say(note)


#: Narrower terminals get one small table per scorer (metric, value) instead of one wide row each.
WIDE_TABLE_COLUMNS = 150


def _metrics_table(rep, width: int | None = None) -> Table:
    frame = rep.to_table()
    title = f"{rep.target} on {rep.data}: {rep.method}"
    if (width or out.width) >= WIDE_TABLE_COLUMNS:
        view = Table(*frame.columns, title=title, title_justify="left")
        view.columns[0].no_wrap = True  # the scorer's name identifies the row
        for r in frame.itertuples(index=False):
            view.add_row(*map(str, r))
        return view
    view = Table("metric", *frame["scorer"], title=title, title_justify="left")  # stacked: fits 80 columns
    view.columns[0].no_wrap = True
    for column in frame.columns[1:]:
        view.add_row(column, *(str(v) for v in frame[column]))
    return view


@app.command(cls=_Command)
def batch(input_dir: Annotated[Path | None, typer.Argument(
              help="Directory of pages (searched recursively); default: batch.input_dir of --config.",
              show_default=False)] = None,
          state: Annotated[Path | None, typer.Option("--state", help="State directory: manifest of scored "
                                                     "pages and the run lock.")] = None,
          output: Annotated[Path | None, typer.Option("-o", "--output", help="Output directory: scores/, "
                                                      "reports/, runs/.")] = None,
          config: Annotated[Path | None, typer.Option(help="TOML file with batch, score and report sections "
                                                      "(see docs/scheduling.md).")] = None,
          engine: Annotated[str | None, typer.Option(help="local | dask (default: local).")] = None,
          scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address to join; a local "
                                                        "cluster otherwise.")] = None,
          verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Also log Dask's own messages "
                                                "(cluster start, workers); quiet by default for cron mail.")]
          = False) -> None:
    """Score the pages that are new or changed since the last run; report the threads that changed.

    Prints the run summary (JSON). Exit codes: 0 ok; 1 error; 3 some pages failed (named in the
    log and summary; retried next run); 4 another run holds the state directory.

    Example: modkit batch pages/ --state state/ -o out/ --config modkit.toml
    """
    from modkit.batch import EXIT_LOCKED, RunLockedError, run_batch

    handler = logging.StreamHandler()  # one timestamped line per event, fit for cron and journald
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    batch_log = logging.getLogger("modkit.batch")
    batch_log.addHandler(handler)
    batch_log.setLevel(logging.INFO)
    batch_log.propagate = False
    # distributed logs its start-up and worker chatter at INFO through its own loggers; a cron job's
    # mail should hold modkit's lines and real problems only
    dask_log = logging.getLogger("distributed")
    dask_level = dask_log.level
    dask_log.setLevel(logging.INFO if verbose else logging.ERROR)
    try:
        summary = run_batch(input_dir, state, output, config, engine=engine, scheduler=scheduler)
    except RunLockedError as exc:
        say(f"Error: {exc}")
        raise typer.Exit(EXIT_LOCKED) from None
    finally:
        batch_log.removeHandler(handler)
        dask_log.setLevel(dask_level)
    typer.echo(summary.to_json())
    raise typer.Exit(summary.exit_code)


labels_app = typer.Typer(cls=_Group, help="Agreement, adjudication and export of the label store.",
                         no_args_is_help=True)
app.add_typer(labels_app, name="labels")

StoreOpt = Annotated[Path | None, typer.Option(
    "--store", help="Label store (SQLite). Default: $MODKIT_STORE, else a per-user file "
    "(~/.local/share/modkit/labels.sqlite on Linux); the repository's labels/labels.sqlite only when named.",
    show_default=False)]


def _store(path: Path | None) -> str | Path:
    """The named store, else the per-user default (never the committed seed store)."""
    from modkit.review.location import default_store

    return path if path is not None else default_store()


def _need_terminal(command: str) -> None:
    """Interactive commands refuse pipes: one line naming the scriptable alternative, exit 2 (usage)."""
    import sys

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        say(f"Error: modkit {command} needs a terminal (stdin and stdout are not both one); in scripts, "
            "record decisions with `modkit label ITEM_ID --reviewer NAME --label ANSWER`")
        raise typer.Exit(2)


def _reviewer_name(name: str) -> str:
    """A reviewer name goes into every label event and export: printable UTF-8, not empty."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise typer.BadParameter("the name is not valid UTF-8 (check the terminal's encoding)") from None
    if not name.strip() or any(not ch.isprintable() for ch in name):
        raise typer.BadParameter(f"{name!r}: use a printable, non-empty name")
    return name.strip()


ReviewerOpt = Annotated[str, typer.Option("--reviewer", help="Who is deciding.", callback=_reviewer_name)]


def _scored(path: Path) -> pd.DataFrame:
    from modkit.review.queue import check_scored, clean_scores
    from modkit.tables import read_table

    df = read_table(path)
    check_scored(df, path.name)
    return clean_scores(df, path.name)


KeysOpt = Annotated[str | None, typer.Option("--keys", help="Rebind keys: COMMAND=KEY pairs, comma-separated "
                                           "(e.g. toxic=y,fine=n); `?` in the reviewer lists them.")]


def _summary(reviewer: str, session, verb: str) -> None:
    """The closing line; its counts come from the same tally as the status bar."""
    t = session.tally()
    if session.adjudicate:
        say(f"{reviewer}: {t.adjudicated} adjudicated in this table, {t.disagreements} disagreements left")
        return
    now = session.tally(session_only=True)
    say(f"{reviewer}: {t.decided} decided in this table ({t.line()}); this session {now.decided} {verb}, "
        f"{now.skipped} skipped, {session.undone} undone; {session.left()} left in the queue")


@app.command(cls=_Command)
def review(scored: Annotated[Path, typer.Argument(help="Scored table from `modkit score`.")],
           reviewer: ReviewerOpt, store: StoreOpt = None,
           order: Annotated[str, typer.Option(help="risk | uncertain | thread | random")] = "risk",
           only: Annotated[str, typer.Option(help="flagged | all")] = "flagged",
           guidelines: Annotated[Path | None, typer.Option(help="Guidelines file (Markdown).")] = None,
           thread: Annotated[str | None, typer.Option("--thread", help="Queue this thread's replies first "
                                                      "(flagged ones by score).")] = None,
           from_report: Annotated[Path | None, typer.Option("--from-report", help="A thread report's .json: "
                                                            "queue its evidence first.")] = None,
           shared: Annotated[int | None, typer.Option(
               "--shared", help="A queue shared by a team on one store: each reply goes to this many "
                                "reviewers and no more (1: single review, 2: double review).", min=1)] = None,
           keys: KeysOpt = None) -> None:
    """Review replies full-screen, one keystroke per decision; resumes where you stopped.

    Needs a terminal; scripts record decisions with `modkit label`.

    Example: modkit review scores.parquet --reviewer ana --thread t3_abc
    """
    from modkit.review import Guidelines, LabelStore
    from modkit.review.keys import KeyMap
    from modkit.review.queue import check_choices
    from modkit.review.screen import run_screen
    from modkit.review.session import ReviewSession
    from modkit.review.start import report_evidence, thread_evidence

    check_choices(order, only)  # bad values are usage errors, reported before anything is read
    df = _scored(scored)
    keymap = KeyMap.parse(keys)
    first: list[str] = []
    if from_report is not None:
        thread_id, evidence = report_evidence(from_report)
        first = evidence + thread_evidence(df, thread_id)
    if thread is not None:
        first += thread_evidence(df, thread)
    _need_terminal("review")
    session = ReviewSession(df, LabelStore(_store(store)), reviewer, order=order, only=only,
                            guidelines=Guidelines.load(guidelines), first=first, copies=shared)
    try:
        run_screen(session, keymap)
    finally:
        session.close()
    _summary(reviewer, session, "labelled")


@app.command(cls=_Command)
def label(item_id: Annotated[str, typer.Argument(help="The reply's comment_id.")], reviewer: ReviewerOpt,
          answer: Annotated[str, typer.Option("--label", help="toxic | conspiracy | both | fine | skip")],
          store: StoreOpt = None,
          scored: Annotated[Path | None, typer.Option(help="Scored table: records the text hash and "
                                                      "the scores shown.")] = None,
          note: Annotated[str | None, typer.Option(help="A free-text note.")] = None) -> None:
    """Record one decision non-interactively (for scripts).

    Example: modkit label c_1a2b --reviewer ana --label toxic --scored scores.parquet
    """
    from modkit.review import LabelStore
    from modkit.review import label as record

    event_id = record(LabelStore(_store(store)), item_id, reviewer, answer, _scored(scored) if scored else None, note)
    say(f"recorded event {event_id}: {reviewer} labelled {item_id} {answer}")


@labels_app.command("agreement", cls=_Command)
def labels_agreement(store: StoreOpt = None,
                     show: Annotated[int, typer.Option("--show", help="Disagreeing items to list "
                                                       "(0: all).")] = 20) -> None:
    """Agreement per label and overall (percent, Cohen's and Fleiss' kappa, Krippendorff's alpha),
    then the items reviewers disagree on.

    Example: modkit labels agreement --store labels/labels.sqlite
    """
    from modkit.console import escape
    from modkit.review import LabelStore, load_labels
    from modkit.review.agreement import agreement_table, readable
    from modkit.review.export import ratings_by_label
    from modkit.review.labels import disagreeing

    state = load_labels(LabelStore(_store(store), create=False))
    heads, rows, hints = readable(agreement_table(ratings_by_label(state)))
    view = Table(*heads, title="agreement", title_justify="left")
    for cells in rows:
        view.add_row(*cells)
    out.print(view)
    for hint in hints:
        out.print(escape(hint))
    items = disagreeing(state)
    open_ = sum(1 for _, _, settled in items if settled is None)
    out.print(f"{len(items)} items with disagreeing labels ({open_} not yet adjudicated)" if items
              else "no disagreements")
    for item, answers, settled in items[:show or None]:
        votes = " · ".join(f"{who}: {ans}" for who, ans in answers.items())
        out.print(escape(f"  {item}  {votes}" + (f"  → adjudicated {settled}" if settled else "")))
    if show and len(items) > show:
        out.print(f"  and {len(items) - show} more (--show 0 lists all)")


@labels_app.command("adjudicate", cls=_Command)
def labels_adjudicate(scored: Annotated[Path, typer.Argument(help="Scored table the items come from.")],
                      reviewer: ReviewerOpt, store: StoreOpt = None, keys: KeysOpt = None) -> None:
    """Walk only the items reviewers disagree on, with each reviewer's label and notes side by side,
    and record the final label (full-screen; needs a terminal).

    Example: modkit labels adjudicate scores.parquet --reviewer lead
    """
    from modkit.review import LabelStore
    from modkit.review.keys import KeyMap
    from modkit.review.screen import run_screen
    from modkit.review.session import ReviewSession

    df = _scored(scored)
    keymap = KeyMap.parse(keys)
    _need_terminal("labels adjudicate")
    session = ReviewSession(df, LabelStore(_store(store), create=False), reviewer, adjudicate=True)
    run_screen(session, keymap)
    _summary(reviewer, session, "adjudicated")


@labels_app.command("export", cls=_Command)
def labels_export(scored: Annotated[Path, typer.Argument(help="Scored table the items come from.")],
                  output: Annotated[Path, typer.Option("-o", "--output", help="Dataset file.")],
                  store: StoreOpt = None,
                  fmt: Annotated[str | None, typer.Option("--format", help="jsonl | csv | parquet "
                                                          "(default: from the output's extension)")] = None,
                  split: Annotated[str, typer.Option(help="thread | none")] = "thread",
                  keep_authors: Annotated[bool, typer.Option("--keep-authors", help="Do not pseudonymise "
                                                             "author names.")] = False) -> None:
    """Export final labels for training, with a dataset card and a Prodigy JSONL.

    Example: modkit labels export scores.parquet -o labels/seeds.jsonl --split thread
    """
    from modkit.review import LabelStore, export_labels
    from modkit.review.export import reconcile
    from modkit.review.labels import derive

    if fmt:
        if fmt not in ("jsonl", "csv", "parquet"):
            raise ConfigError(f"unknown --format {fmt!r}; choose one of: jsonl, csv, parquet")
        output = output.with_suffix("." + fmt)
    if split not in ("thread", "none"):
        raise ConfigError(f"unknown --split {split!r}; choose one of: thread, none")
    df = _scored(scored)
    st = LabelStore(_store(store), create=False)
    for line in reconcile(derive(st.events()), df).lines():
        say(f"warning: {line}")
    paths = export_labels(st, df, output, split=None if split == "none" else split, keep_authors=keep_authors)
    say("wrote " + ", ".join(str(p) for p in paths.values()))


@labels_app.command("migrate", cls=_Command)
def labels_migrate(src: Annotated[str, typer.Argument(help="Store to copy from: a SQLite file or a "
                                                      "postgresql:// URL.", show_default=False)],
                   dst: Annotated[str, typer.Argument(help="Store to copy into (created if missing).",
                                                      show_default=False)]) -> None:
    """Copy a label store into another, event for event (SQLite to PostgreSQL and back); safe to re-run.

    Example: modkit labels migrate labels/labels.sqlite postgresql://ana@db.example/modkit
    """
    from modkit.review.migrate import migrate
    from modkit.review.store import redact

    res = migrate(src, dst)
    say(f"{redact(src)} -> {redact(dst)}: copied {res.copied} events ({res.already} already there"
        + (f"; {res.only_in_destination} only in the destination, left as they are" if res.only_in_destination
           else "") + ")")


@app.command(cls=_Command)
def formats() -> None:
    """List the page formats modkit detects, with a description of each.

    Example: modkit formats
    """
    table = Table("name", "description")
    for f in page_formats.items():
        table.add_row(f.name, f.description)
    out.print(table)


def main() -> None:
    """Entry point for the ``modkit`` script: library warnings become stderr lines."""
    lines = _StderrLines()
    lines.setLevel(logging.WARNING)  # a library's INFO records that reach the root are not warnings
    logging.basicConfig(level=logging.WARNING, handlers=[lines])
    app()


if __name__ == "__main__":
    main()
