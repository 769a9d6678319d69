"""tox-block's pre-trained BiLSTM, run with NumPy: six Jigsaw toxicity signals without TensorFlow.

The PyPI package ``tox-block`` 0.1.2 (MIT licence, Copyright (c) 2020 Pascal Bliem)
ships a Keras model trained on the Jigsaw Toxic Comment Classification data
(about 160k Wikipedia talk comments, each labelled toxic, severe_toxic, obscene,
threat, insult and identity_hate): word embeddings (20k words x 50, initialised
from GloVe), a bidirectional LSTM (50 units each way), global max pooling, a
50-unit ReLU layer and six sigmoid outputs. Its runtime needs TensorFlow, which
modkit must not. The recipe ``python -m modkit.train.recipes.toxblock_port``
reads the package's files once, writes the arrays to ``models/toxblock.npz``
(loaded with ``allow_pickle=False``) and checks this port against TensorFlow's
outputs to 1e-5.

The package's prediction path is reproduced exactly: Keras' tokeniser
(lower-casing, its filter characters to spaces, a split on single spaces, the
20k most frequent training words, unknown words skipped), the last 100 tokens
kept, pre-padded with index 0, and Keras 2.2's LSTM with its ``hard_sigmoid``
gates (``clip(0.2 x + 0.5, 0, 1)``).

Speed: the input projection of every word is precomputed (``E @ W + b``), texts
are run in length-sorted batches, the forward direction's pre-padding is a
fixed trajectory computed once, and the backward direction's padding steps stop
once every state in the batch has converged (to :data:`CONVERGED`), which the
recipe checks keeps outputs within 1e-5 of TensorFlow's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

#: The package's six outputs, in order; modkit's attribute names are in :data:`ATTRIBUTES`.
CLASSES = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
#: Detoxify's name for each output.
ATTRIBUTES = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
#: The converted model shipped in the package.
DEFAULT_PATH = Path(__file__).resolve().parent / "models" / "toxblock.npz"
#: Keras' ``Tokenizer`` default filters: these characters become spaces.
KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
#: Licence line stored with every model built on these weights.
LICENCE = "tox-block 0.1.2 model weights (Jigsaw Toxic Comment data), MIT licence, Copyright (c) 2020 Pascal Bliem"
#: Texts per batch: large enough to amortise NumPy's per-call overhead, small enough
#: that length-sorted batches stay near one length.
BATCH = 2048
#: Backward padding steps stop when no hidden or cell state moves more than this.
CONVERGED = 1e-7

_FILTER_TABLE = str.maketrans({c: " " for c in KERAS_FILTERS})


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def hard_sigmoid(z: np.ndarray) -> np.ndarray:
    """Keras 2's gate activation, ``clip(0.2 z + 0.5, 0, 1)`` (Keras 3 changed its slope).

    Examples
    --------
    >>> hard_sigmoid(np.array([-3.0, 0.0, 1.0, 3.0])).tolist()
    [0.0, 0.5, 0.7, 1.0]
    """
    return np.clip(0.2 * z + 0.5, 0.0, 1.0)


@dataclass
class _Direction:
    """One LSTM direction: per-word input projections, recurrent weights, units."""

    projected: np.ndarray   # (vocab, 4u): embedding @ kernel + bias
    recurrent: np.ndarray   # (u, 4u)
    units: int

    def step(self, x: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One Keras LSTM step (gates i, f, c, o; hard sigmoid and tanh)."""
        u = self.units
        z = h @ self.recurrent
        z += x
        g = np.tanh(z[:, 2 * u:3 * u])
        # hard_sigmoid in place over all four gates (g was taken out first): fewer temporaries
        z *= 0.2
        z += 0.5
        np.clip(z, 0.0, 1.0, out=z)
        c = c * z[:, u:2 * u]
        g *= z[:, :u]
        c += g
        h = np.tanh(c)
        h *= z[:, 3 * u:]
        return h, c


class ToxBlock:
    """The converted tox-block model (see the module docstring).

    Parameters
    ----------
    arrays : mapping of str to array
        What the recipe writes: ``vocab`` (words of indices 1..n), ``max_len``, ``embedding``, ``{fw,bw}_{kernel,recurrent,bias}``,
        ``dense1_{w,b}``, ``dense2_{w,b}``.

    Examples
    --------
    A tiny random model (the shipped one is :func:`load_toxblock`):

    >>> rng = np.random.default_rng(0)
    >>> a = {"vocab": np.array(["idiot", "thanks"]), "max_len": np.array(4),
    ...      "embedding": rng.normal(size=(3, 2)).astype(np.float32), "dense1_w": rng.normal(size=(6, 2)),
    ...      "dense1_b": np.zeros(2), "dense2_w": rng.normal(size=(2, 6)), "dense2_b": np.zeros(6)}
    >>> for d in ("fw", "bw"):
    ...     a |= {f"{d}_kernel": rng.normal(size=(2, 12)), f"{d}_recurrent": rng.normal(size=(3, 12)),
    ...           f"{d}_bias": np.zeros(12)}
    >>> ToxBlock(a).predict(["you idiot", "thanks", ""]).shape
    (3, 6)
    """

    def __init__(self, arrays: dict[str, np.ndarray]):
        vocab = [str(w) for w in arrays["vocab"]]
        self.index = {w: i + 1 for i, w in enumerate(vocab)}
        self.max_len = int(arrays["max_len"])
        emb = np.asarray(arrays["embedding"], dtype=np.float32)
        self.directions = []
        for d in ("fw", "bw"):
            kernel = np.asarray(arrays[f"{d}_kernel"], dtype=np.float32)
            projected = emb @ kernel + np.asarray(arrays[f"{d}_bias"], dtype=np.float32)
            recurrent = np.asarray(arrays[f"{d}_recurrent"], dtype=np.float32)
            self.directions.append(_Direction(projected, recurrent, recurrent.shape[0]))
        self.dense1_w = np.asarray(arrays["dense1_w"], dtype=np.float32)
        self.dense1_b = np.asarray(arrays["dense1_b"], dtype=np.float32)
        self.dense2_w = np.asarray(arrays["dense2_w"], dtype=np.float32)
        self.dense2_b = np.asarray(arrays["dense2_b"], dtype=np.float32)
        self._pad_trajectory = self._forward_padding()

    def tokens(self, text: str) -> list[int]:
        """Word indices as Keras' tokeniser gives them, the last ``max_len`` kept.

        Examples
        --------
        >>> m = load_toxblock()
        >>> len(m.tokens("word " * 300)) == m.max_len
        True
        """
        words = [w for w in text.lower().translate(_FILTER_TABLE).split(" ") if w]
        ids = [i for i in map(self.index.get, words) if i is not None]
        return ids[-self.max_len:]

    def _forward_padding(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Forward states after k padding steps (k = 0..max_len), and their running max."""
        fw = self.directions[0]
        u = fw.units
        h, c = np.zeros((1, u), np.float32), np.zeros((1, u), np.float32)
        hs, cs, runmax = [h], [c], [np.full((1, u), -np.inf, np.float32)]
        for _ in range(self.max_len):
            h, c = fw.step(fw.projected[[0]], h, c)
            hs.append(h)
            cs.append(c)
            runmax.append(np.maximum(runmax[-1], h))
        return np.vstack(hs), np.vstack(cs), np.vstack(runmax)

    def _pooled(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Max-pooled BiLSTM outputs of a batch padded on the left to its longest text."""
        n, width = ids.shape
        fw, bw = self.directions
        u = fw.units
        pad = self.max_len - width            # padding before every text's window
        hs, cs, runmax = self._pad_trajectory
        h, c = np.repeat(hs[[pad]], n, 0), np.repeat(cs[[pad]], n, 0)
        fmax = np.repeat(runmax[[pad]], n, 0)
        for t in range(width):
            h, c = fw.step(fw.projected[ids[:, t]], h, c)
            np.maximum(fmax, h, out=fmax)
        h, c = np.zeros((n, u), np.float32), np.zeros((n, u), np.float32)
        bmax = np.full((n, u), -np.inf, np.float32)
        for t in range(width - 1, -1, -1):
            h, c = bw.step(bw.projected[ids[:, t]], h, c)
            np.maximum(bmax, h, out=bmax)
        x0 = bw.projected[[0]]
        for k in range(pad):
            h2, c2 = bw.step(x0, h, c)
            # checking convergence costs as much as a step: check every 4th
            moved = max(float(np.abs(h2 - h).max()), float(np.abs(c2 - c).max())) if k % 4 == 3 else 1.0
            h, c = h2, c2
            np.maximum(bmax, h, out=bmax)
            if moved < CONVERGED:
                break
        return np.hstack([fmax, bmax])

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The six sigmoid outputs (:data:`CLASSES` order) per text, shape ``(n, 6)``."""
        seqs = [self.tokens(t) for t in texts]
        lengths = np.fromiter(map(len, seqs), np.int64, len(seqs))
        out = np.zeros((len(seqs), len(CLASSES)), np.float32)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            width = max(1, int(lengths[rows].max()))
            ids = np.zeros((len(rows), width), np.int64)
            for r, i in enumerate(rows):
                if lengths[i]:
                    ids[r, width - lengths[i]:] = seqs[i]
            pooled = self._pooled(ids, lengths[rows])
            hidden = np.maximum(pooled @ self.dense1_w + self.dense1_b, 0.0)
            out[rows] = _sigmoid(hidden @ self.dense2_w + self.dense2_b)
        return out

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`predict` as clipped log-odds (features for a linear head)."""
        p = np.clip(self.predict(texts).astype(np.float64), 1e-7, 1 - 1e-7)
        return np.log(p / (1 - p))


@lru_cache(maxsize=2)
def load_toxblock(path: str | Path = DEFAULT_PATH) -> ToxBlock:
    """The converted model from an ``.npz`` file (no pickle), loaded once per process."""
    with np.load(path, allow_pickle=False) as data:
        return ToxBlock({k: data[k] for k in data.files})
