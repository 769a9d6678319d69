"""Word tokens and hashed character n-grams of a whole batch of texts, computed in NumPy.

scikit-learn's vectorisers walk every token and every n-gram of every text in
Python, which caps a word + character n-gram model at a few thousand texts per
second. Here a batch of lower-cased texts becomes one array of Unicode code
points (:class:`TextBatch`), and both analyses run as a handful of vectorised
passes over it:

- **words** (:meth:`TextBatch.words`): the maximal runs of word characters, as
  scikit-learn's default token pattern ``\\b\\w\\w+\\b`` finds them (same
  ``\\w``, from Python's own regular-expression engine), each with a 64-bit hash
  that a vocabulary lookup matches (:func:`word_hashes`);
- **character n-grams** (:meth:`TextBatch.char_ngrams`): every n-gram of the
  normalised text (:func:`normalise`) hashed into one of ``2**n_bits`` columns
  (the hashing trick: no vocabulary, and unseen spellings such as "f*ck" or
  "iddiot" still share n-grams with the spellings seen in training). A text's
  row holds one entry per n-gram occurrence (repeats are not merged, which
  scipy's products sum correctly), each ``1 / sqrt(n-grams in the text)``: unit
  norm when nothing repeats, and long texts do not outweigh short ones.

Training and scoring build the rows the same way, so a linear model fitted on
them scores exactly what it learned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np
import scipy.sparse as sp

#: Odd 64-bit constant (2**64 / golden ratio): multiplying by it spreads hash bits well.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: Shift of the final bit-mixing step (a splitmix-style finaliser).
_MIX_SHIFT = np.uint64(29)
_SPACE = 32
#: Runs of one character longer than two are cut to two ("fuuuuuck" -> "fuuck",
#: "!!!!!!" -> "!!"), so elongated spellings share n-grams with plain ones. (The
#: NumPy path compares each character with the two before it.)
_RUNS = re.compile(r"(.)\1{2,}", re.DOTALL)
#: Word characters past this offset share one position key (words that long are
#: never vocabulary words; their length is hashed too).
_MAX_KEYED_OFFSET = 64
#: Seed of the per-offset keys of word hashes (PCG64's stream is stable across NumPy versions).
_WORD_KEY_SEED = 20240611
_N_CODES = 0x110000


@cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """``(is_word, is_blank)`` for every code point, built once (about 0.1 s).

    ``is_word`` is exactly Python's Unicode ``\\w``; ``is_blank`` marks whitespace
    and unprintable characters (controls, format characters, unassigned code points).
    """
    every = "".join(map(chr, range(_N_CODES)))
    is_word = np.zeros(_N_CODES, bool)
    is_word[[m.start() for m in re.finditer(r"\w", every)]] = True
    printable = np.fromiter(map(str.isprintable, every), bool, _N_CODES)
    space = np.fromiter(map(str.isspace, every), bool, _N_CODES)
    return is_word, ~printable | space


@cache
def _word_keys() -> np.ndarray:
    return np.random.Generator(np.random.PCG64(_WORD_KEY_SEED)).bit_generator.random_raw(_MAX_KEYED_OFFSET)


def _mix(h: np.ndarray) -> np.ndarray:
    return (h ^ (h >> _MIX_SHIFT)) * _GOLDEN


def normalise(text: str) -> str:
    """What the character n-grams see: lower case, blanks collapsed to one space, runs cut, padded.

    Whitespace and unprintable characters (controls, zero-width and other format
    characters) count as spaces. This is the reference for :meth:`TextBatch.char_ngrams`,
    which does the same in NumPy (tested equal).

    Examples
    --------
    >>> normalise("  YOU\\tare   sooooo\\x00 WRONG!!!!\\u200b ")
    ' you are soo wrong!! '
    >>> normalise(" \\n ")
    ''
    """
    _, is_blank = _tables()
    text = " ".join("".join(" " if is_blank[ord(ch)] else ch for ch in text.lower()).split())
    return " " + _RUNS.sub(r"\1\1", text) + " " if text else ""


class TextBatch:
    """Lower-cased texts as one array of code points, each padded with a space on both sides.

    Parameters
    ----------
    texts : sequence of str
        The texts (lone surrogates from lossy decoding are kept as code points).

    Examples
    --------
    >>> b = TextBatch(["Hi you", ""])
    >>> b.n_docs, b.codes.tolist()[:4]
    (2, [32, 104, 105, 32])
    """

    def __init__(self, texts: Sequence[str]):
        self.n_docs = len(texts)
        lowered = [t.lower() for t in texts]
        self.lengths = np.fromiter((len(t) + 2 for t in lowered), np.int64, self.n_docs)
        joined = " " + "  ".join(lowered) + " " if lowered else ""
        self.codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
        self.doc = np.repeat(np.arange(self.n_docs), self.lengths)

    def words(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every word (maximal run of ``\\w``): its text's index, its hash and its length."""
        is_word, _ = _tables()
        w = is_word[self.codes]
        starts = np.flatnonzero(w & ~np.r_[False, w[:-1]])
        ends = np.flatnonzero(w & ~np.r_[w[1:], False]) + 1
        lengths = ends - starts
        if not len(starts):
            return np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.int64)
        at = np.flatnonzero(w)  # the word characters, word after word
        first = np.concatenate([[0], np.cumsum(lengths)[:-1]])  # each word's first index into ``at``
        offset = np.arange(len(at)) - np.repeat(first, lengths)
        keys = _word_keys()[np.minimum(offset, _MAX_KEYED_OFFSET - 1)]
        sums = np.add.reduceat(self.codes[at].astype(np.uint64) * keys, first)
        return self.doc[starts], _mix(sums + lengths.astype(np.uint64) * _GOLDEN), lengths

    def char_ngrams(self, ngram_range: tuple[int, int] = (2, 5), n_bits: int = 18) -> sp.csr_matrix:
        """Hashed character n-gram rows of the normalised texts (see the module docstring)."""
        _, is_blank = _tables()
        c = self.codes.copy()
        c[is_blank[c]] = _SPACE
        same1 = np.r_[False, self.doc[1:] == self.doc[:-1]]
        same2 = np.r_[False, False, self.doc[2:] == self.doc[:-2]]
        prev1 = np.r_[np.uint32(0), c[:-1]]
        prev2 = np.r_[np.uint32(0), np.uint32(0), c[:-2]]
        space = c == _SPACE
        drop = (space & (prev1 == _SPACE) & same1) | (~space & (c == prev1) & (c == prev2) & same2)
        keep = ~drop
        doc = self.doc[keep]
        lengths = np.bincount(doc, minlength=self.n_docs)
        keep[np.flatnonzero(keep)[np.isin(doc, np.flatnonzero(lengths == 1))]] = False  # blank texts: nothing
        return _hash_ngrams(c[keep].astype(np.uint64), self.doc[keep], self.n_docs, ngram_range, n_bits)


def _hash_ngrams(codes: np.ndarray, doc: np.ndarray, n_docs: int, ngram_range: tuple[int, int],
                 n_bits: int) -> sp.csr_matrix:
    n_chars = len(codes)
    lengths = np.bincount(doc, minlength=n_docs)
    room = np.cumsum(lengths)[doc] - np.arange(n_chars)  # characters left in the text from here
    lo, hi = ngram_range
    width = hi - lo + 1
    cols = np.empty((n_chars, width), np.int32)
    h = np.zeros(n_chars, np.uint64)
    shift = np.uint64(64 - n_bits)
    for k in range(hi):
        # h[i] becomes the hash of the k+1 characters starting at i (the +k+1 makes
        # n-grams of different lengths hash apart); in place, as this loop is the hot path.
        stop = max(n_chars - k, 0)  # a batch of fewer characters than the n-gram: nothing more to add
        h[:stop] *= _GOLDEN
        h[:stop] += codes[k:] + np.uint64(k + 1)
        if k + 1 >= lo:
            mixed = h ^ (h >> _MIX_SHIFT)
            mixed *= _GOLDEN
            mixed >>= shift
            cols[:, k + 1 - lo] = mixed
    # An n-gram is valid if it ends inside its text; row-major order keeps every
    # text's n-grams together and in text order, as CSR needs.
    per_start = np.clip(room - lo + 1, 0, width)
    indices = cols[np.arange(width) < per_start[:, None]]
    counts = np.bincount(doc, weights=per_start, minlength=n_docs).astype(np.int64)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    data = np.repeat(1.0 / np.sqrt(np.maximum(counts, 1)), counts)
    return sp.csr_matrix((data, indices, indptr), shape=(n_docs, 1 << n_bits))


def chunks(texts: Sequence[str], max_chars: int) -> list[slice]:
    """Consecutive slices of ``texts`` of about ``max_chars`` characters each (at least one text).

    Examples
    --------
    >>> chunks(["aaaa", "bb", "cccccc", "d"], max_chars=5)
    [slice(0, 2, None), slice(2, 3, None), slice(3, 4, None)]
    """
    out, start, total = [], 0, 0
    for i, t in enumerate(texts):
        total += len(t)
        if total >= max_chars:
            out.append(slice(start, i + 1))
            start, total = i + 1, 0
    if start < len(texts) or not out:
        out.append(slice(start, len(texts)))
    return out


def word_hashes(words: Sequence[str]) -> np.ndarray:
    """The hash :meth:`TextBatch.words` gives each of ``words`` (each must be one word).

    Examples
    --------
    >>> doc, h, _ = TextBatch(["an idiot, AN IDIOT"]).words()
    >>> bool(h[1] == h[3] == word_hashes(["idiot"])[0])
    True
    """
    doc, h, lengths = TextBatch(list(words)).words()
    if len(h) != len(words) or not np.array_equal(doc, np.arange(len(words))):
        raise ValueError("every entry must be exactly one word of \\w characters")
    return h
