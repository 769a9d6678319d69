"""The embedded toxicity model: text signals per text, then a small linear head per attribute.

Scoring a reply takes two steps.

1. **Text signals**, computed once per distinct text (a reply, or a parent that
   several replies share):

   - ``apc``: the log-odds of alt-profanity-check's pre-trained word SVM
     (:class:`~modkit.score.profanity_svm.ProfanitySVM`);
   - ``strongest_word``: that SVM's largest word weight in the text, which the
     TF-IDF norm does not dilute in long texts;
   - ``own_<target>``: the log-odds of modkit's own linear models over hashed
     character n-grams (:mod:`~modkit.score.batch_text`) and the SVM's word
     TF-IDF, one per target (``toxicity``, ``identity_attack``), trained by
     :class:`modkit.train.lite.LiteToxicityClassifier` on the public labelled
     data (recipe: ``modkit.train.recipes.lite_toxicity``);
   - ``you``: second-person address ("you", "your", "u", ...), capped;
   - ``log_len``: the log of the length, capped;
   - ``tb_<kind>`` (models built with ``toxblock=True``): the log-odds of tox-block's
     six Jigsaw-trained outputs (:mod:`~modkit.score.toxblock`).

   All of them come from one pass of :class:`~modkit.score.batch_text.TextBatch`
   over the batch (:meth:`LiteToxicityModel.analyse`).

2. **Heads**: each attribute is ``sigmoid(w . features + b)`` over named
   features (:func:`feature_names`). ``toxicity`` stacks the reply's signals
   with its parent's (:func:`context_features`): the parent's own toxicity,
   and its interaction with the reply's toxicity and second-person address,
   because annotators who see a hostile parent read a pointed reply as
   hostile. ``identity_attack`` reads the reply's signals only. With tox-block, the
   heads also read its six outputs for the reply (and its ``toxic`` for the parent),
   and :meth:`LiteToxicityModel.predict` adds the kinds ``severe_toxicity``,
   ``obscene``, ``threat`` and ``insult`` (:func:`kind_scores`).

An empty (or whitespace-only) reply scores 0 on every attribute: there is nothing
to judge. Texts longer than :data:`MAX_TEXT_CHARS` are read up to that length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from modkit.score.batch_text import TextBatch, chunks, word_hashes
from modkit.score.profanity_svm import ProfanitySVM
from modkit.score.toxblock import CLASSES as TB_CLASSES

#: Characters of a text that are read: 200k keeps the temporary arrays of one
#: text near 30 MB, and no real reply needs more to be judged.
MAX_TEXT_CHARS = 200_000
#: Log-odds are clipped to this magnitude: the SVM's probabilities reach 1 - 1e-7,
#: and a few extreme values must not dominate a linear head.
MAX_LOGIT = 12.0
#: Lengths beyond this count as this long: the training replies and tweets are
#: all shorter (at most 754 characters), so the model has no evidence about how
#: toxicity varies with length past it and must not extrapolate.
LOG_LEN_CAP = 1_000
#: Second-person mentions counted before the signal saturates.
MAX_YOU = 3
#: Words of second-person address ("you're" and "you'll" count through "you").
YOU_WORDS = ("you", "your", "yours", "yourself", "yourselves", "youre", "u", "ur", "ya", "thou", "thee", "thy")
#: Characters analysed per :class:`TextBatch`: bounds its temporary arrays (about
#: 150 bytes per character) near 40 MB whatever the number of texts.
CHUNK_CHARS = 256_000

#: Features of the reply alone; ``{t}`` is an own text model's target (``toxicity``, ...).
TEXT_FEATURES = ("reply_apc", "reply_own_{t}", "reply_strongest_word", "reply_you", "reply_log_len")
#: Features of the parent, and of the parent's toxicity meeting the reply's, for target ``{t}``.
PARENT_FEATURES = ("has_parent", "parent_apc", "parent_own_{t}", "parent_{t}_x_reply_you", "parent_{t}_x_reply_{t}")
#: tox-block's features: its six outputs for the reply, its ``toxic`` for the parent.
TOXBLOCK_REPLY_FEATURES = tuple(f"reply_tb_{k}" for k in TB_CLASSES)
TOXBLOCK_PARENT_FEATURES = ("parent_tb_toxic",)
#: The kinds a tox-block model adds, and their index among tox-block's outputs.
KINDS = {"severe_toxicity": 1, "obscene": 2, "threat": 3, "insult": 4}

#: Feature names of lite model files written before features were named per target.
_OLD_NAMES = {"reply_own": "reply_own_toxicity", "parent_own": "parent_own_toxicity",
              "parent_toxic_x_reply_you": "parent_toxicity_x_reply_you",
              "parent_toxic_x_reply_toxic": "parent_toxicity_x_reply_toxicity"}


def feature_names(target: str, context: bool = True, toxblock: bool = False) -> tuple[str, ...]:
    """The head features :func:`context_features` builds for one target.

    Examples
    --------
    >>> feature_names("toxicity", context=False)
    ('reply_apc', 'reply_own_toxicity', 'reply_strongest_word', 'reply_you', 'reply_log_len')
    >>> feature_names("toxicity")[-1]
    'parent_toxicity_x_reply_toxicity'
    >>> feature_names("toxicity", toxblock=True)[-1]
    'parent_tb_toxic'
    """
    names = TEXT_FEATURES + (PARENT_FEATURES if context else ())
    if toxblock:
        names += TOXBLOCK_REPLY_FEATURES + (TOXBLOCK_PARENT_FEATURES if context else ())
    return tuple(n.format(t=target) for n in names)


def kind_scores(toxicity: np.ndarray, toxblock: np.ndarray) -> dict[str, np.ndarray]:
    """Each kind's score from modkit's toxicity and tox-block's six probabilities.

    A kind is ``max(toxicity, tox-block toxic) * min(1, tox-block kind / tox-block toxic)``:
    modkit's toxicity (or tox-block's, when higher: threats are rare in modkit's
    training data) sets the level, the Jigsaw-trained model the split between kinds.

    Examples
    --------
    >>> tb = np.array([[0.9, 0.1, 0.9, 0.0, 0.45, 0.0], [0.01, 0.0, 0.0, 0.0, 0.01, 0.0]])
    >>> {k: v.round(2).tolist() for k, v in kind_scores(np.array([0.5, 0.0]), tb).items()}
    {'severe_toxicity': [0.1, 0.0], 'obscene': [0.9, 0.0], 'threat': [0.0, 0.0], 'insult': [0.45, 0.01]}
    """
    level = np.maximum(toxicity, toxblock[:, 0])
    share = np.minimum(1.0, toxblock / np.maximum(toxblock[:, [0]], 1e-9))
    return {a: np.clip(level * share[:, k], 0.0, 1.0) for a, k in KINDS.items()}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.clip(np.log(p / (1 - p)), -MAX_LOGIT, MAX_LOGIT)


@dataclass
class TextDesign:
    """What the model reads of each text: n-gram rows, word TF-IDF rows, "you" count, length,
    and tox-block's six log-odds (when the model reads them)."""

    chars: sp.csr_matrix
    words: sp.csr_matrix
    you: np.ndarray
    length: np.ndarray
    toxblock: np.ndarray | None = None

    def rows(self, index: np.ndarray) -> TextDesign:
        """The design of a subset of the texts."""
        tb = None if self.toxblock is None else self.toxblock[index]
        return TextDesign(self.chars[index], self.words[index], self.you[index], self.length[index], tb)


def style_signals(you_count: np.ndarray, length: np.ndarray) -> dict[str, np.ndarray]:
    """Second-person address (mentions / :data:`MAX_YOU`, capped at 1) and log length (capped).

    Examples
    --------
    >>> s = style_signals(np.array([2, 0, 7]), np.array([20, 0, 5000]))
    >>> s["you"].round(2).tolist(), s["log_len"].round(2).tolist()
    ([0.67, 0.0, 1.0], [3.04, 0.0, 6.91])
    """
    return {"you": np.minimum(you_count, MAX_YOU) / MAX_YOU,
            "log_len": np.log1p(np.minimum(length, LOG_LEN_CAP).astype(float))}


def context_features(reply: dict[str, np.ndarray], parent: dict[str, np.ndarray],
                     has_parent: np.ndarray, targets: Sequence[str] = ("toxicity",)) -> dict[str, np.ndarray]:
    """The named features of :func:`feature_names` for each target, from reply and parent signals.

    Parent features are 0 where ``has_parent`` is false, so "no parent" never
    looks like a parent of middling toxicity.

    Examples
    --------
    >>> sig = {"apc": np.array([4.0]), "own_toxicity": np.array([2.0]), "strongest_word": np.array([1.0]),
    ...        "you": np.array([1.0]), "log_len": np.array([3.0])}
    >>> f = context_features(sig, sig, np.array([True]))
    >>> round(float(f["parent_toxicity_x_reply_you"][0]), 3)
    0.982
    >>> float(context_features(sig, sig, np.array([False]))["parent_apc"][0])
    0.0
    """
    h = np.asarray(has_parent, dtype=float)
    out = {"reply_apc": reply["apc"], "reply_strongest_word": reply["strongest_word"], "reply_you": reply["you"],
           "reply_log_len": reply["log_len"], "has_parent": h, "parent_apc": parent["apc"] * h}
    if "tb_toxic" in reply:
        out |= {f"reply_tb_{k}": reply[f"tb_{k}"] for k in TB_CLASSES}
        out["parent_tb_toxic"] = parent["tb_toxic"] * h
    for t in targets:
        # "toxic" by either word model: the stronger of the two log-odds, as a probability.
        parent_t = _sigmoid(np.maximum(parent["apc"], parent[f"own_{t}"])) * h
        reply_t = _sigmoid(np.maximum(reply["apc"], reply[f"own_{t}"]))
        out |= {f"reply_own_{t}": reply[f"own_{t}"], f"parent_own_{t}": parent[f"own_{t}"] * h,
                f"parent_{t}_x_reply_you": parent_t * reply["you"], f"parent_{t}_x_reply_{t}": parent_t * reply_t}
    return out


class LiteToxicityModel:
    """Text signals plus linear heads (see the module docstring); what ``lite.skops`` holds.

    Parameters
    ----------
    svm : ProfanitySVM
        alt-profanity-check's word model.
    char_ngram_range : (int, int)
        Character n-gram lengths of the own text models.
    char_bits : int
        The own text models hash character n-grams into ``2**char_bits`` columns.
    text_targets : tuple of str
        The own text models' targets; signal ``own_<target>`` is target's log-odds.
    text_coef_char : array, shape (2**char_bits, n_targets)
    text_coef_word : array, shape (svm.n_words, n_targets)
    text_intercept : array, shape (n_targets,)
        The own text models' weights.
    heads : dict
        ``{attribute: (feature_names, coef, intercept)}``; feature names come from
        :func:`feature_names`.
    toxblock : bool
        Read tox-block's outputs (features ``*_tb_*``) and score the kinds.

    Examples
    --------
    A toy model whose only head reads the word SVM's log-odds:

    >>> svm = ProfanitySVM(["idiot", "thanks"], np.ones(2), np.array([[2.0], [-1.0]]), np.zeros(1),
    ...                    np.array([-1.0]), np.zeros(1))
    >>> m = LiteToxicityModel(svm, (2, 3), 8, ("toxicity",), np.zeros((256, 1), np.float32),
    ...                       np.zeros((2, 1), np.float32), np.zeros(1),
    ...                       {"toxicity": (("reply_apc",), np.array([1.0]), 0.0)})
    >>> m.predict(["you idiot", "thanks", ""])["toxicity"].round(2).tolist()
    [0.88, 0.27, 0.0]
    """

    def __init__(self, svm: ProfanitySVM, char_ngram_range: tuple[int, int], char_bits: int,
                 text_targets: tuple[str, ...], text_coef_char: np.ndarray, text_coef_word: np.ndarray,
                 text_intercept: np.ndarray, heads: dict[str, tuple[tuple[str, ...], np.ndarray, float]],
                 toxblock: bool = False):
        self.svm = svm
        self.char_ngram_range = tuple(char_ngram_range)
        self.char_bits = int(char_bits)
        self.text_targets = tuple(text_targets)
        self.text_coef_char = text_coef_char
        self.text_coef_word = text_coef_word
        self.text_intercept = np.asarray(text_intercept, dtype=np.float64)
        self.heads = heads
        self.toxblock = bool(toxblock)
        self._you_hashes: np.ndarray | None = None

    # Word hashes are rebuilt on first use; they depend on the code, not on training.
    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_you_hashes"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("toxblock", False)  # files written before tox-block was read
        self._you_hashes = None
        # Files from modkit 0.1's recipe named the toxicity features without their target.
        self.heads = {a: (tuple(_OLD_NAMES.get(n, n) for n in names), coef, b)
                      for a, (names, coef, b) in self.heads.items()}

    @property
    def scores_kinds(self) -> bool:
        """Whether :meth:`predict` adds the kinds: it reads tox-block and has a ``toxicity`` head."""
        return self.toxblock and "toxicity" in self.heads

    @property
    def attributes(self) -> tuple[str, ...]:
        """The heads' attributes, and the kinds when the model reads tox-block (Detoxify's order)."""
        if not self.scores_kinds:
            return tuple(self.heads)
        first = tuple(a for a in self.heads if a == "toxicity")
        return first + tuple(KINDS) + tuple(a for a in self.heads if a != "toxicity")

    @classmethod
    def merge(cls, models: Sequence[LiteToxicityModel]) -> LiteToxicityModel:
        """One model scoring every attribute of ``models``, reading each text once.

        The models must share the word SVM and the character hashing (as models
        trained by :class:`~modkit.train.lite.LiteToxicityClassifier` do); their own
        text models and heads are put side by side.

        Examples
        --------
        >>> svm = ProfanitySVM(["idiot"], np.ones(1), np.array([[2.0]]), np.zeros(1), np.array([-1.0]), np.zeros(1))
        >>> def one(t):
        ...     return LiteToxicityModel(svm, (2, 3), 8, (t,), np.zeros((256, 1), np.float32), np.zeros((1, 1), np.float32),
        ...                              np.zeros(1), {t: (("reply_apc",), np.array([1.0]), 0.0)})
        >>> LiteToxicityModel.merge([one("toxicity"), one("identity_attack")]).attributes
        ('toxicity', 'identity_attack')
        """
        first = models[0]
        for m in models[1:]:
            if (m.char_ngram_range, m.char_bits) != (first.char_ngram_range, first.char_bits) or not (
                    m.svm.words == first.svm.words and np.array_equal(m.svm.coef, first.svm.coef)):
                raise ValueError("models to merge must share the word SVM and the character n-gram hashing")
        targets = [t for m in models for t in m.text_targets]
        if len(set(targets)) < len(targets):
            raise ValueError(f"models to merge must have distinct targets (got {', '.join(targets)})")
        return cls(first.svm, first.char_ngram_range, first.char_bits, tuple(targets),
                   np.hstack([m.text_coef_char for m in models]), np.hstack([m.text_coef_word for m in models]),
                   np.concatenate([m.text_intercept for m in models]),
                   {a: h for m in models for a, h in m.heads.items()}, any(m.toxblock for m in models))

    def analyse(self, texts: Sequence[str]) -> TextDesign:
        """Read every text once (in chunks of about :data:`CHUNK_CHARS` characters)."""
        texts = [t[:MAX_TEXT_CHARS] for t in texts]
        parts = [self._analyse_chunk(texts[part]) for part in chunks(texts, CHUNK_CHARS)]
        if len(parts) == 1:
            return parts[0]
        tb = None if parts[0].toxblock is None else np.vstack([p.toxblock for p in parts])
        return TextDesign(sp.vstack([p.chars for p in parts], format="csr"),
                          sp.vstack([p.words for p in parts], format="csr"),
                          np.concatenate([p.you for p in parts]), np.concatenate([p.length for p in parts]), tb)

    def _analyse_chunk(self, texts: list[str]) -> TextDesign:
        if self._you_hashes is None:
            self._you_hashes = word_hashes(YOU_WORDS)
        batch = TextBatch(texts)
        doc, hashes, _ = batch.words()
        you = np.bincount(doc[np.isin(hashes, self._you_hashes)], minlength=batch.n_docs)
        tb = None
        if self.toxblock:
            from modkit.score.toxblock import load_toxblock

            tb = np.clip(load_toxblock().logits(texts), -MAX_LOGIT, MAX_LOGIT)
        return TextDesign(batch.char_ngrams(self.char_ngram_range, self.char_bits),
                          self.svm.tfidf_from_words(doc, hashes, batch.n_docs), you,
                          np.fromiter(map(len, texts), np.int64, batch.n_docs), tb)

    def text_signals(self, texts: Sequence[str], design: TextDesign | None = None) -> dict[str, np.ndarray]:
        """Every per-text signal (see the module docstring), keyed by name.

        ``design`` passes :meth:`analyse` results computed earlier (training reuses them across folds).
        """
        if design is None:
            texts = [t[:MAX_TEXT_CHARS] for t in texts]
            parts = [self.text_signals(texts[part], self._analyse_chunk(texts[part]))
                     for part in chunks(texts, CHUNK_CHARS)]
            return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        own = (np.asarray(design.chars @ self.text_coef_char, dtype=np.float64)
               + np.asarray(design.words @ self.text_coef_word, dtype=np.float64) + self.text_intercept)
        signals = {"apc": _logit(self.svm.proba(design.words)),
                   "strongest_word": self.svm.strongest_word(design.words)}
        signals |= {f"own_{t}": np.clip(own[:, i], -MAX_LOGIT, MAX_LOGIT) for i, t in enumerate(self.text_targets)}
        if design.toxblock is not None:
            signals |= {f"tb_{k}": design.toxblock[:, i] for i, k in enumerate(TB_CLASSES)}
        return signals | style_signals(design.you, design.length)

    def combine(self, reply: dict[str, np.ndarray], parent: dict[str, np.ndarray],
                has_parent: np.ndarray) -> dict[str, np.ndarray]:
        """The heads' named features from reply and parent signals (rows aligned)."""
        return context_features(reply, parent, has_parent, self.text_targets)

    def features(self, texts: Sequence[str], parents: Sequence[str | None]) -> dict[str, np.ndarray]:
        """:meth:`combine` for replies and their parents (``None`` or "" for no parent).

        Each distinct text is analysed once, so a parent with many replies costs one text.
        """
        has_parent = np.array([bool(p and p.strip()) for p in parents], dtype=bool)
        distinct = list(dict.fromkeys([*texts, *(p for p, h in zip(parents, has_parent) if h)]))
        where = {t: i for i, t in enumerate(distinct)}
        signals = self.text_signals(distinct)
        reply_rows = np.fromiter((where[t] for t in texts), np.int64, len(texts))
        parent_rows = np.fromiter((where[p] if h else 0 for p, h in zip(parents, has_parent)), np.int64,
                                  len(texts))
        return self.combine({k: v[reply_rows] for k, v in signals.items()},
                            {k: v[parent_rows] for k, v in signals.items()}, has_parent)

    def head_scores(self, features: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each head's score in [0, 1] from :meth:`combine`'s features."""
        out = {}
        for attribute, (names, coef, intercept) in self.heads.items():
            X = np.column_stack([features[n] for n in names])
            out[attribute] = _sigmoid(X @ np.asarray(coef, dtype=np.float64) + float(intercept))
        return out

    def predict(self, texts: Sequence[str], parents: Sequence[str | None] | None = None) -> dict[str, np.ndarray]:
        """Each attribute's score in [0, 1] for each reply (0 for an empty reply)."""
        texts = list(texts)
        parents = [None] * len(texts) if parents is None else list(parents)
        if not texts:
            return {a: np.zeros(0) for a in self.heads}
        empty = np.array([not t.strip() for t in texts])
        features = self.features(texts, parents)
        scores = self.head_scores(features)
        if self.scores_kinds:
            tb = _sigmoid(np.column_stack([features[f"reply_tb_{k}"] for k in TB_CLASSES]))
            scores |= kind_scores(scores["toxicity"], tb)
        return {a: np.where(empty, 0.0, scores[a]) for a in self.attributes}
