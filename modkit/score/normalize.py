"""What a toxicity model reads: the reply with its disguises taken off; the table keeps the original.

Writers who want past a filter hide words: a zero-width space or soft hyphen
inside a word ("id\u200biot"), fullwidth or mathematical letters ("ｉｄｉｏｔ"),
Cyrillic or Greek look-alikes inside a Latin word ("іdіot"), spaced letters
("i d i o t") and leetspeak ("1d10t"). :func:`normalize_text` undoes each:

- Unicode NFKC (fullwidth, mathematical and other compatibility letters);
- format characters (category ``Cf``: zero-width spaces and joiners, soft hyphens,
  bidirectional marks) are removed;
- in a word that has Latin letters, characters that Unicode's confusables table
  (as shipped by the ``confusable-homoglyphs`` package) lists as look-alikes of a
  Latin letter become that letter; words wholly in another script are left alone,
  so Russian stays Russian;
- runs of four or more single letters separated by spaces, dots or dashes are joined;
- in a word of letters mixed with ``0 1 3 4 5 7 @ $``, those become ``o i e a s t a s``.

Plain ASCII text without digits or spaced letters comes back unchanged at the cost of
two regular-expression searches.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD = re.compile(r"(?<![\w@$])(?=[\w@$]*[A-Za-z])(?=[\w@$]*[013457@$])[A-Za-z013457@$]{3,}(?![\w@$])")
_SPACED = re.compile(r"(?<!\w)(?:[A-Za-z][ .\-_*]){3,}[A-Za-z](?!\w)")
_SEPARATORS = re.compile(r"[ .\-_*]")
_WORD = re.compile(r"\S+")
_MAYBE_LEET = re.compile(r"[013457@$]")


@lru_cache(maxsize=1)
def _format_characters() -> dict[int, None]:
    """Every format character (category Cf), for ``str.translate`` to delete."""
    return {c: None for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}


@lru_cache(maxsize=1)
def _latin_lookalikes() -> dict[int, str]:
    """Non-ASCII characters Unicode lists as confusable with one ASCII letter, mapped to it."""
    from importlib.resources import files

    table = json.loads(files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8"))
    out: dict[int, str] = {}
    for char, alikes in table.items():
        if len(char) != 1 or char.isascii():
            continue
        letters = [a["c"] for a in alikes if len(a["c"]) == 1 and a["c"].isascii() and a["c"].isalpha()]
        if letters:
            out[ord(char)] = letters[0]
    return out


def _unmask_word(match: re.Match) -> str:
    word = match.group(0)
    if word.isascii() or not any("a" <= ch.lower() <= "z" for ch in word):
        return word
    return word.translate(_latin_lookalikes())


def normalize_text(text: str) -> str:
    """The reply as a toxicity model should read it (see the module docstring).

    Examples
    --------
    >>> normalize_text("you are a stupid id\\u200biot and a worth\\u00adless moron")
    'you are a stupid idiot and a worthless moron'
    >>> normalize_text("ｙｏｕ ｉｄｉｏｔ"), normalize_text("you \\u0456d\\u0456ot"), normalize_text("Это идиот")
    ('you idiot', 'you idiot', 'Это идиот')
    >>> normalize_text("you i d i o t"), normalize_text("you 1d10t, see 2019 and mp3")
    ('you idiot', 'you idiot, see 2019 and mpe')
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_format_characters())
        if not text.isascii():
            text = _WORD.sub(_unmask_word, text)
    if _SPACED.search(text):
        text = _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group(0)), text)
    if _MAYBE_LEET.search(text) and _LEET_WORD.search(text):
        text = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
    return text
