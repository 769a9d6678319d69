"""Fast CPU inference for Detoxify-style sequence classifiers.

Three things make it faster than calling Detoxify's ``predict`` on fixed batches in
input order, with the same scores:

- **length-sorted dynamic batching**: token sequences are sorted by length and cut into
  batches bounded by a row count and a token budget, so a batch pads to nearly its
  own length instead of its longest comment's;
- **an inference engine** per batch: torch under ``inference_mode`` with a set thread
  count (:class:`TorchEngine`), or ONNX Runtime on an exported graph, fp32 or
  dynamically quantised int8 (:class:`OnnxEngine`, see :mod:`modkit.score.onnx_export`);
- **chunking**: a text longer than the model's window is cut into overlapping windows
  and gets the maximum score of its windows per attribute, instead of being truncated.

A text that fits the window is encoded exactly as Detoxify encodes it (the
tokenizer's own ``truncation=True`` encoding), so fp32 scores match Detoxify's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Consecutive windows of a long text share a quarter of a window: a phrase cut at one
#: window's edge appears whole in the next, for a third more compute on long texts.
OVERLAP_DIVISOR = 4
#: In "parent [SEP] reply" mode the parent keeps at most a quarter of the window (its
#: end, nearest the reply), leaving the rest for the reply itself.
PARENT_DIVISOR = 4
#: Rows per batch: beyond this, batching gains little on CPU and the score cache is
#: written less often.
DEFAULT_BATCH_SIZE = 32
#: Upper bound on rows x sequence length per batch; it bounds the attention scores'
#: memory (rows x heads x length^2 floats: 16 x 12 x 512^2 x 4 B = 200 MB for BERT-base).
MAX_BATCH_TOKENS = 8192

#: A function from padded model inputs (``input_ids``, ``attention_mask`` and maybe
#: ``token_type_ids``, int64 arrays) to logits (float array, rows x outputs).
Engine = Callable[[dict[str, np.ndarray]], np.ndarray]


def default_threads() -> int:
    """CPU cores this process may use (its affinity mask, not the machine's core count).

    Examples
    --------
    >>> default_threads() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def clean_text(text: str) -> str:
    """A string any tokenizer accepts: lone surrogates (invalid UTF-16 halves) become U+FFFD.

    Examples
    --------
    >>> clean_text("ok \\ud800!")
    'ok \\ufffd!'
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


@dataclass
class Chunks:
    """Token windows of a list of texts.

    Attributes
    ----------
    input_ids : list of list of int
        One token sequence per window, special tokens included.
    token_type_ids : list of list of int or None
        Segment ids per window, when the model takes them.
    owner : ndarray of int
        ``owner[k]`` is the index of the text window ``k`` belongs to.
    """

    input_ids: list[list[int]]
    token_type_ids: list[list[int]] | None
    owner: np.ndarray

    def lengths(self) -> np.ndarray:
        return np.fromiter((len(x) for x in self.input_ids), dtype=np.int64, count=len(self.input_ids))


def trim_parents(tokenizer: Any, parents: list[str], keep: int) -> list[str]:
    """The end of each parent that tokenizes to at most ``keep`` tokens, cut on a token boundary."""
    enc = tokenizer(parents, add_special_tokens=False, return_offsets_mapping=True,
                    return_attention_mask=False, return_token_type_ids=False)
    return [p if len(offsets) <= keep else p[offsets[len(offsets) - keep][0]:]
            for p, offsets in zip(parents, enc["offset_mapping"], strict=True)]


def encode(tokenizer: Any, texts: Sequence[str], parents: Sequence[str | None] | None = None,
           max_tokens: int = 512) -> Chunks:
    """Tokenize texts (optionally after their parents) into windows of at most ``max_tokens``.

    A text with a non-empty parent is encoded as the pair (parent end, text), the
    tokenizer's own pair format (``[CLS] parent [SEP] text [SEP]`` for BERT); when the
    text overflows, each window repeats the parent.
    """
    overlap = max_tokens // OVERLAP_DIVISOR
    texts = [clean_text(t) for t in texts]
    parents = [None] * len(texts) if parents is None else [clean_text(p) if p else None for p in parents]
    want_types = "token_type_ids" in getattr(tokenizer, "model_input_names", ())
    ids: list[list[int]] = []
    types: list[list[int]] = []
    owners: list[int] = []

    def add(enc: Any, rows: list[int]) -> None:
        mapping = enc["overflow_to_sample_mapping"]
        ids.extend(enc["input_ids"])
        if want_types:
            types.extend(enc["token_type_ids"])
        owners.extend(rows[m] for m in mapping)

    common = dict(max_length=max_tokens, stride=overlap, return_overflowing_tokens=True,
                  return_attention_mask=False, return_token_type_ids=want_types)
    single = [i for i, p in enumerate(parents) if p is None or not p.strip()]
    paired = [i for i, p in enumerate(parents) if p is not None and p.strip()]
    if single:
        add(tokenizer([texts[i] for i in single], truncation=True, **common), single)
    if paired:
        firsts = trim_parents(tokenizer, [parents[i] for i in paired], max_tokens // PARENT_DIVISOR)
        add(tokenizer(firsts, [texts[i] for i in paired], truncation="only_second", **common), paired)
    return Chunks(ids, types if want_types else None, np.asarray(owners, dtype=np.int64))


def plan_batches(lengths: np.ndarray, batch_size: int = DEFAULT_BATCH_SIZE,
                 max_batch_tokens: int = MAX_BATCH_TOKENS) -> list[np.ndarray]:
    """Group sequence indices into batches of similar length, longest first.

    A batch holds at most ``batch_size`` rows and at most ``max_batch_tokens`` padded
    tokens (rows x its longest sequence), but always at least one row.

    Examples
    --------
    >>> [b.tolist() for b in plan_batches(np.array([5, 100, 7, 98, 6]), batch_size=2)]
    [[1, 3], [2, 4], [0]]
    >>> [b.tolist() for b in plan_batches(np.array([60, 50, 10]), batch_size=8, max_batch_tokens=100)]
    [[0], [1, 2]]
    """
    order = np.argsort(-np.asarray(lengths), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        longest = int(lengths[order[start]])
        rows = max(1, min(batch_size, max_batch_tokens // max(longest, 1)))
        batches.append(order[start:start + rows])
        start += rows
    return batches


def pad_batch(chunks: Chunks, rows: np.ndarray, pad_id: int) -> dict[str, np.ndarray]:
    """Right-padded int64 model inputs for the windows ``rows`` (Detoxify pads on the right too).

    Examples
    --------
    >>> c = Chunks([[101, 7, 102], [101, 102]], None, np.array([0, 1]))
    >>> pad_batch(c, np.array([0, 1]), pad_id=0)["attention_mask"].tolist()
    [[1, 1, 1], [1, 1, 0]]
    """
    width = max(len(chunks.input_ids[r]) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for j, r in enumerate(rows):
        seq = chunks.input_ids[r]
        ids[j, :len(seq)] = seq
        mask[j, :len(seq)] = 1
    feed = {"input_ids": ids, "attention_mask": mask}
    if chunks.token_type_ids is not None:
        types = np.zeros((len(rows), width), dtype=np.int64)
        for j, r in enumerate(rows):
            seq = chunks.token_type_ids[r]
            types[j, :len(seq)] = seq
        feed["token_type_ids"] = types
    return feed


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, stable for large ``|x|``.

    Examples
    --------
    >>> sigmoid(np.array([0.0, -1000.0])).tolist()
    [0.5, 0.0]
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


class TorchEngine:
    """Runs a transformers classifier with torch under ``inference_mode`` on ``threads`` threads.

    The thread count is set for each batch and restored afterwards, so the caller's
    own torch settings are left as they were. In a process forked from the one that
    built the engine (a worker of :func:`modkit.score.score` with ``n_jobs > 1``) it
    runs on one thread, and once an engine exists every forked child starts with
    torch on one thread: torch's OpenMP pool does not survive a fork, and a parallel
    torch operation there deadlocks (measured here: forked workers hung on their
    first LayerNorm; one-thread children did not).
    """

    _fork_hook = False

    def __init__(self, model: Any, threads: int | None = None):
        import torch

        if not TorchEngine._fork_hook:
            os.register_at_fork(after_in_child=lambda: torch.set_num_threads(1))
            TorchEngine._fork_hook = True
        self._torch = torch
        self._pid = os.getpid()
        self.model = model.eval()
        self.threads = threads or default_threads()

    def __call__(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        torch = self._torch
        before = torch.get_num_threads()
        torch.set_num_threads(self.threads if os.getpid() == self._pid else 1)
        try:
            with torch.inference_mode():
                out = self.model(**{k: torch.from_numpy(v) for k, v in feed.items()})
            return out.logits.float().numpy()
        finally:
            torch.set_num_threads(before)


class OnnxEngine:
    """Runs an exported ONNX classifier with ONNX Runtime's CPU provider on ``threads`` threads."""

    def __init__(self, path: str | os.PathLike, threads: int | None = None):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads or default_threads()
        opts.inter_op_num_threads = 1  # one graph at a time: parallelism lives inside the operators
        opts.log_severity_level = 3  # errors only: optimisation notices are not the user's business
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def __call__(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]


@dataclass
class ChunkedClassifier:
    """Scores texts with a tokenizer and an engine: windows, sorted batches, max per text.

    Attributes
    ----------
    tokenizer : transformers tokenizer
        A fast (tokenizers-backed) tokenizer.
    engine : Engine
        Logits for a padded batch.
    n_outputs : int
        Outputs kept per text (the first ``n_outputs`` logits, like Detoxify's class names).
    max_tokens : int
        Window length, special tokens included.
    """

    tokenizer: Any
    engine: Engine
    n_outputs: int
    max_tokens: int = 512
    batch_size: int = DEFAULT_BATCH_SIZE
    max_batch_tokens: int = MAX_BATCH_TOKENS

    def predict(self, texts: Sequence[str], parents: Sequence[str | None] | None = None) -> np.ndarray:
        """Probabilities, one row per text and one column per output, in [0, 1]."""
        if len(texts) == 0:
            return np.zeros((0, self.n_outputs))
        chunks = encode(self.tokenizer, texts, parents, self.max_tokens)
        logits = np.full((len(texts), self.n_outputs), -np.inf)
        pad_id = self.tokenizer.pad_token_id or 0
        for rows in plan_batches(chunks.lengths(), self.batch_size, self.max_batch_tokens):
            out = np.asarray(self.engine(pad_batch(chunks, rows, pad_id)))[:, :self.n_outputs]
            # the sigmoid is monotonic: the max logit over windows gives the max probability
            np.maximum.at(logits, chunks.owner[rows], out.astype(np.float64))
        return sigmoid(logits)
