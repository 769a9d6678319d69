"""Read a page file's bytes into text, whatever encoding real sites saved it in.

Binary files and empty files raise :class:`ParseError` naming the file; UTF-8,
byte-order-marked UTF-16/32, declared charsets and legacy encodings (cp1252,
latin-1, ...) decode; a few undecodable bytes in otherwise valid UTF-8 become
U+FFFD with a warning rather than failing the page.
"""

from __future__ import annotations

import codecs
import errno
import logging
import os
import re
import stat
from pathlib import Path

from modkit.errors import ParseError

log = logging.getLogger(__name__)

#: Pages larger than this are refused rather than risking the machine's memory.
MAX_PAGE_BYTES = 512 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(rb"""(?:<meta[^>]+charset=["']?|<\?xml[^>]+encoding=["'])([A-Za-z0-9_.:-]+)""", re.I)
# Control bytes that never occur in text pages (NUL aside, which UTF-16 has).
_LATIN_GUESSES = frozenset({"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_3",
                            "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14",
                            "iso8859_15", "iso8859_16", "mac_latin2", "mac_roman", "cp850", "cp858"})
_BINARY_BYTES = bytes(range(0, 9)) + bytes(range(14, 27)) + bytes(range(28, 32))


def _looks_utf16(head: bytes) -> str | None:
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, name: str = "<bytes>") -> str:
    """Decode a page's bytes to text.

    Examples
    --------
    >>> decode_bytes("caf\\u00e9".encode("utf-16"))
    'café'
    >>> decode_bytes(b"caf\\xe9 cr\\xe8me br\\xfbl\\xe9e, na\\xefve fa\\xe7ade")
    'café crème brûlée, naïve façade'
    >>> decode_bytes(b"\\x00\\x01\\x02PNG")
    Traceback (most recent call last):
    ...
    modkit.errors.ParseError: <bytes>: binary file (NUL bytes), not a text page
    """
    if not data.strip():
        raise ParseError(f"{name}: empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise ParseError(f"{name}: invalid {enc} after its byte-order mark ({exc.reason})") from None
    head = data[:8192]
    if b"\x00" in head:
        enc16 = _looks_utf16(head)
        if enc16 is None:
            raise ParseError(f"{name}: binary file (NUL bytes), not a text page")
        return data.decode(enc16, errors="replace")
    if sum(head.count(bytes([b])) for b in _BINARY_BYTES) > 0.01 * len(head):
        raise ParseError(f"{name}: binary file (control bytes), not a text page")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED.search(head)
    if declared:
        enc = declared.group(1).decode("ascii").lower()
        if enc not in ("utf-8", "utf8"):
            try:
                return data.decode(enc)
            except (LookupError, UnicodeDecodeError):
                pass
    bad = len(data.decode("utf-8", errors="ignore").encode("utf-8"))
    if len(data) - bad < 0.001 * len(data) + 4:
        # Mostly valid UTF-8 with a stray byte or two: keep the text, say so.
        log.warning("%s: %d undecodable bytes replaced", name, len(data) - bad)
        return data.decode("utf-8", errors="replace")
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1 << 20]).best()
    enc = best.encoding if best is not None else "cp1252"
    if enc in _LATIN_GUESSES:
        # Short Western texts fool the detector into cousins of cp1252 (cp1250,
        # latin_2); browsers read unlabeled legacy pages as cp1252, and so do we.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(enc)
    except (LookupError, UnicodeDecodeError):
        log.warning("%s: not valid %s; undecodable bytes replaced", name, enc)
        return data.decode(enc if enc else "cp1252", errors="replace")


def display_path(path: str | Path) -> str:
    """A file's name as text that can always be printed and stored: bytes that are not UTF-8
    (a name from another system's encoding) are shown as ``\\xNN`` escapes.

    Examples
    --------
    >>> import os
    >>> display_path(os.fsdecode(b"caf\\xe9.txt"))
    'caf\\\\xe9.txt'
    """
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def not_a_page(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as a page (``None`` when it can): only regular files are read,
    so a dangling symlink, a symlink loop or a named pipe never stops (or hangs) a run.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); os.symlink("nowhere", os.path.join(d, "link")); os.mkfifo(os.path.join(d, "pipe"))
    >>> not_a_page(os.path.join(d, "link")), not_a_page(os.path.join(d, "pipe")), not_a_page(d)
    ('skipped, a dangling symlink', 'skipped, a named pipe', 'skipped, a directory')
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode  # follows symlinks: a dangling one or a loop fails here
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "skipped, a symlink loop"
        if exc.errno == errno.ENOENT and path.is_symlink():
            return "skipped, a dangling symlink"
        return f"cannot read ({exc.strerror or exc})"
    return None if stat.S_ISREG(mode) else f"skipped, {_kind_of(mode)}"


def read_page(path: str | Path) -> str:
    """Read and decode one page file; :class:`ParseError` names the file on failure.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "p.txt")
    >>> _ = open(p, "wb").write(b"Title\\n\\nBody")
    >>> read_page(p)
    'Title\\n\\nBody'
    """
    path = Path(path)
    name = display_path(path)
    problem = not_a_page(path)  # never open a named pipe or device: reading one can block forever
    if problem:
        raise ParseError(f"{name}: {problem}")
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            raise ParseError(f"{name}: {size / 2**20:.0f} MB is over the {MAX_PAGE_BYTES >> 20} MB page limit")
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{name}: cannot read ({exc.strerror or exc})") from None
    return decode_bytes(data, name)


def stream_encoding(path: str | Path, sample: int = 1 << 16) -> str | None:
    """The encoding to read ``path`` line by line with, or ``None`` if it needs a full decode.

    Only cheap, certain cases qualify: a byte-order mark, or a head that is valid
    UTF-8 (a multi-byte character cut at the sample's end is tolerated).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "p.txt")
    >>> _ = open(p, "w", encoding="utf-8").write("Tïtle\\n")
    >>> stream_encoding(p)
    'utf-8'
    """
    with open(path, "rb") as fh:
        head = fh.read(sample)
    if not head.strip():
        return None
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return None
    return "utf-8"
