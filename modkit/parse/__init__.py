"""Stage 1: saved pages -> threads (``modkit parse``).

``parse`` returns the comments table (one row per comment); ``parse_threads``
yields :class:`~modkit.model.Thread` objects for tree work; ``iter_parse`` is
the fault-tolerant walk the CLI uses: one result per file, a failure never
stops the others.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from modkit.errors import ParseError
from modkit.model import Comment, Thread, validate_forest
from modkit.parse.base import PageFormat, RawPost, thread_identity
from modkit.parse.build import build_thread
from modkit.parse.decode import decode_bytes, display_path, read_page, stream_encoding
from modkit.registry import page_formats

__all__ = [
    "PageFormat", "RawPost", "build_thread", "thread_identity", "decode_bytes", "read_page",
    "detect_format", "parse_text", "parse_file", "iter_files", "iter_parse", "parse_threads",
    "parse", "FileResult", "stream_file",
]

log = logging.getLogger(__name__)

#: Below this sniff confidence a page is not claimed by any format.
MIN_CONFIDENCE = 0.1
#: File name suffixes skipped when walking directories (not pages).
SKIP_SUFFIXES = frozenset({".md", ".py", ".pyc", ".png", ".jpg", ".jpeg", ".gif", ".css", ".js",
                           ".parquet", ".zip", ".gz", ".ico", ".svg", ".woff", ".woff2"})


def _named(source: str, message: str) -> str:
    """An error message that starts with the file it is about."""
    return message if message.startswith(f"{source}:") else f"{source}: {message}"


def detect_format(text: str, source: str = "") -> PageFormat:
    """The registered format most confident that ``text`` is one of its pages.

    Examples
    --------
    >>> detect_format("Title\\n\\nJust an article.").name
    'article_text'
    """
    best, best_conf = None, 0.0
    for fmt in page_formats.items():
        try:
            conf = fmt.sniff(text, source)
        except ParseError as exc:  # a page refused as it is (nested too deep): say why, naming the file
            raise ParseError(_named(source or "input", str(exc))) from None
        except Exception as exc:  # a sniffer bug must not hide the other formats
            log.debug("sniff of %s failed on %s: %s", fmt.name, source, exc)
            continue
        if conf > best_conf:
            best, best_conf = fmt, conf
    if best is None or best_conf < MIN_CONFIDENCE:
        raise ParseError(f"{source or 'input'}: no known page format matches; pass --format "
                         f"(one of: {', '.join(page_formats.names())})")
    return best


def parse_text(text: str, source: str = "<text>", fmt: str | None = None) -> list[Thread]:
    """Parse one decoded page; ``fmt`` overrides detection.

    Examples
    --------
    >>> [t.n_comments for t in parse_text("Title\\n\\nOnly the article.")]
    [0]
    """
    page_format = page_formats.get(fmt) if fmt else detect_format(text, source)
    try:
        threads = page_format.parse(text, source)
    except ParseError as exc:
        raise ParseError(_named(source, str(exc))) from None
    except RecursionError:
        raise ParseError(f"{source}: markup nested too deeply to parse") from None
    except Exception as exc:  # a parser bug on odd input: report the file, keep going
        log.debug("parser %s failed on %s", page_format.name, source, exc_info=True)
        raise ParseError(f"{source}: {page_format.name} parser failed ({type(exc).__name__}: {exc})") from exc
    for t in threads:
        validate_forest(t.comments)
    return threads


def parse_file(path: str | Path, fmt: str | None = None) -> list[Thread]:
    """Read, decode and parse one page file.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(p, "w").write("Title\\n\\nBody")
    >>> parse_file(p)[0].title
    'Title'
    """
    return parse_text(read_page(path), display_path(path), fmt)


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand files and directories (recursively, sorted) into page files.

    Hidden files and obvious non-pages (images, code, Parquet) inside directories
    are skipped; a path given explicitly is always kept, so a bad file named on
    the command line gets its error line.
    """
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    fp = Path(root, f)
                    if f.startswith(".") or fp.suffix.lower() in SKIP_SUFFIXES \
                            or f.upper().startswith(("LICENSE", "README")):
                        continue
                    yield fp
        else:
            yield p


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


#: How much of a file the detector reads when streaming.
SNIFF_CHARS = 1 << 20


def stream_file(path: str | Path, fmt: str | None = None) -> Iterator[tuple[Thread, Iterator[Comment]]]:
    """Yield ``(thread, comments)`` pairs, streaming the comments when the format can.

    Line-oriented formats with a ``stream`` method (Disqus-style text dumps) read
    the file lazily, so a dump of any size runs in bounded memory: consume each
    comment iterator before advancing to the next pair. Other formats parse the
    whole page and yield each thread's comment list.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.txt")
    >>> _ = open(p, "w").write("T\\n\\nA.\\n\\n  1. ann Avatar\\n\\n    Hi\\n")
    >>> [(t.platform, [c.text for c in cs]) for t, cs in stream_file(p)]
    [('disqus_text', ['Hi'])]
    """
    path = Path(path)
    encoding = stream_encoding(path) if _regular(path) else None
    if encoding is not None:
        with open(path, encoding=encoding, errors="replace", newline=None) as fh:
            head = fh.read(SNIFF_CHARS)
        page_format = page_formats.get(fmt) if fmt else detect_format(head, display_path(path))
        if hasattr(page_format, "stream"):
            with open(path, encoding=encoding, errors="replace", newline=None) as fh:
                thread, comments = page_format.stream(fh, display_path(path))
                yield thread, comments
            return
    for thread in parse_file(path, fmt):
        yield thread, iter(thread.comments)


@dataclass
class FileResult:
    """The outcome of parsing one file: its threads, or the error that stopped it."""

    path: Path
    threads: list[Thread] = field(default_factory=list)
    error: str | None = None


def iter_parse(paths: Iterable[str | Path], fmt: str | None = None) -> Iterator[FileResult]:
    """Parse every file under ``paths``; a bad file yields its error and the walk goes on."""
    for path in iter_files(paths):
        try:
            yield FileResult(path, parse_file(path, fmt))
        except ParseError as exc:
            yield FileResult(path, error=str(exc))


def parse_threads(paths: Iterable[str | Path] | str | Path, fmt: str | None = None) -> Iterator[Thread]:
    """Yield the threads of every page under ``paths``, skipping (and logging) bad files.

    Examples
    --------
    >>> from pathlib import Path
    >>> seeds = Path(__file__).resolve().parents[2] / "seeds"
    >>> threads = list(parse_threads(seeds)) if seeds.is_dir() else []
    >>> sum(len(t.comments) for t in threads) > 0 or not seeds.is_dir()
    True
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for res in iter_parse(paths, fmt):
        if res.error:
            log.warning("%s", res.error)
        yield from res.threads


def parse(paths: Iterable[str | Path] | str | Path, fmt: str | None = None) -> pd.DataFrame:
    """Parse pages into the comments table (one row per comment).

    Parameters
    ----------
    paths : path or list of paths
        Page files or directories (searched recursively).
    fmt : str, optional
        A registered format name; detected per file when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`modkit.model.COMMENT_COLUMNS`.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "a.txt"), "w").write("Title\\n\\nBody")
    >>> len(parse(d))
    0
    """
    from modkit.tables import threads_to_frame

    return threads_to_frame(parse_threads(paths, fmt))


from modkit._stage import make_callable as _make_callable  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd

_make_callable(__name__)
