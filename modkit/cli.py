"""The ``modkit`` command: a thin typer layer over the library functions.

Each command reads its inputs, calls the library, and writes or renders the
result. Errors a user can cause are :class:`~modkit.errors.ModkitError`; the one
catcher in :func:`main` prints ``Error: <message>`` and exits 1.

Exit codes: 0 success; 1 an error, or some inputs failed (each named on stderr)
while the rest were written; 2 bad usage.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree
from typer.core import TyperGroup

from modkit.errors import ModkitError, ParseError
from modkit.model import Thread, children
from modkit.parse import FileResult, iter_files, iter_parse, stream_file
from modkit.parse.summary import ThreadSummary
from modkit.registry import page_formats

# Pipes and CI logs get a readable width instead of rich's 80-column fallback.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)


def say(message: str) -> None:
    """One plain, unwrapped line on stderr."""
    err.print(message, markup=False, highlight=False, soft_wrap=True)


class _Group(TyperGroup):
    """The one catcher: a :class:`ModkitError` becomes ``Error: <message>`` and exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ModkitError as exc:
            say(f"Error: {exc}")
            raise typer.Exit(1) from None


app = typer.Typer(cls=_Group, help="Moderation toolkit for comment threads.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
export_app = typer.Typer(cls=_Group, help="Write threads in other tools' formats.", no_args_is_help=True)
app.add_typer(export_app, name="export")

Paths = Annotated[list[Path], typer.Argument(help="Page files or directories (searched recursively).",
                                             show_default=False)]
FormatOpt = Annotated[str | None, typer.Option("--format", "-f", help="Page format; detected per file "
                                               "when omitted (see `modkit formats`).")]


class _StderrLines(logging.Handler):
    """Library warnings (odd encodings, skipped bytes) as one plain line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"warning: {record.getMessage()}")


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


def _summary(summaries: list[ThreadSummary], n_failed: int) -> Table:
    table = Table(title="parse summary", title_justify="left")
    table.add_column("thread", max_width=34, overflow="ellipsis", no_wrap=True)
    table.add_column("format", no_wrap=True)
    for col in ("comments", "top-level", "max depth", "authors"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("coverage", min_width=36)
    for s in summaries:
        t = s.thread
        table.add_row(t.title or Path(t.source).name, t.platform, str(s.n_comments), str(s.top_level),
                      str(s.max_depth), str(s.n_authors), "; ".join(s.warnings) or "-")
    n = sum(s.n_comments for s in summaries)
    top = sum(s.top_level for s in summaries)
    table.caption = (f"{len(summaries)} threads, {n} comments ({top} top-level)"
                     + (f"; {n_failed} files failed" if n_failed else ""))
    return table


def _tree(thread: Thread, width: int = 100) -> Tree:
    head = f"[bold]{_esc(thread.title or thread.source)}[/] [dim]({thread.platform}, " \
           f"{thread.n_comments} comments, {thread.source})[/]"
    root = Tree(head)
    for w in thread.coverage_warnings():
        root.add(f"[yellow]coverage: {_esc(w)}[/]")
    kids = children(thread.comments)

    def add(node: Tree, parent: str | None) -> None:
        for c in kids.get(parent, []):
            text = " ".join(c.text.split())
            text = text if len(text) <= width else text[: width - 1] + "…"
            flags = f" [red]\\[{', '.join(c.flags)}][/]" if c.flags else ""
            quoted = " [cyan](quotes parent)[/]" if c.quotes else ""
            branch = node.add(f"[bold]{_esc(c.author or 'anonymous')}[/]{flags}{quoted}: {_esc(text)}")
            add(branch, c.comment_id)

    add(root, None)
    return root


def _esc(s: str) -> str:
    from rich.markup import escape

    return escape(s)


@app.command()
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
                out.print(_tree(t))
                out.print()
                summaries.append(ThreadSummary.of(t))
    else:
        table_format(output)  # a bad extension fails before any parsing
        if fmt:
            page_formats.get(fmt)
        with CommentWriter(output) as writer:
            for path in iter_files(paths):
                try:
                    # Streaming keeps a million-comment dump out of memory.
                    for thread, comments in stream_file(path, fmt):
                        s = ThreadSummary(thread)
                        writer.write_rows(comment_row(thread, c) for c in s.count(comments))
                        summaries.append(s)
                except ParseError as exc:
                    failures.append(str(exc))
                    say(f"error: {exc}")
        say(f"wrote {writer.rows_written} comments to {output}")
    err.print(_summary(summaries, len(failures)))
    if failures:
        raise typer.Exit(1)


@export_app.command("convokit")
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


@app.command()
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
    logging.basicConfig(level=logging.WARNING, handlers=[_StderrLines()])
    app()


if __name__ == "__main__":
    main()
