"""The ``detoxify`` scorer: Detoxify checkpoints, loaded offline and run on a fast engine.

Needs the optional extra (``pip install 'modkit[detoxify]'``); without it the module
still imports and the scorer fails on first use with a one-line install hint.

Scores
------
One column per output the checkpoint names, under Detoxify's names (``toxicity``,
``severe_toxicity``, ``obscene``, ``threat``, ``insult``, ``identity_attack``,
``sexual_explicit`` ...), each the sigmoid of the model's logit, in [0, 1].

- A text up to the model's window (512 tokens) is encoded exactly as Detoxify's
  ``predict`` encodes it; with ``engine="torch"`` or ``"onnx"`` its scores equal
  Detoxify's (within 1e-4).
- A longer text is cut into overlapping windows (a quarter window shared between
  neighbours) and gets, per attribute, the maximum over its windows. Cost grows
  linearly with length; nothing is dropped.
- Empty or missing text is scored as the empty string (the model's own score for
  ``[CLS] [SEP]``), like Detoxify's ``predict("")``. Control characters are dropped
  by the tokenizer, emoji and characters outside its vocabulary become its unknown
  token, invalid UTF-16 halves become U+FFFD; non-English text is scored as is
  (use the ``multilingual`` model for it).

Context
-------
``context="none"`` (default) scores the reply alone, like Detoxify and the data its
models were trained on; ``parent_text`` is ignored. ``context="pair"`` feeds
(parent end, reply) as the tokenizer's sentence pair (``[CLS] parent [SEP] reply
[SEP]``), the parent cut to its last quarter window of tokens; use it with a
checkpoint trained that way, since Detoxify's own models never saw a parent.

Calibration
-----------
A checkpoint whose config holds ``calibration`` (``{class: [slope, intercept]}``, as
modkit's MiniLM recipe writes) has each output's logit mapped through its Platt
scaling, so its scores are calibrated probabilities; Detoxify's own checkpoints have
none and are scored as they are.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modkit.errors import ConfigError
from modkit.registry import scorers
from modkit.score.base import PARENT_TEXT_COL, Scorer, check_comments, texts
from modkit.score.fast_infer import DEFAULT_BATCH_SIZE

ENGINES = ("torch", "onnx", "onnx-int8")
CONTEXTS = ("none", "pair")


@dataclass(eq=False)
class _Runtime:
    """What a scorer builds on first use: the options it was built for, and the loaded model."""

    key: tuple
    classes: tuple[str, ...]
    classifier: Any
    label: str
    calibration: dict[str, tuple[float, float]]
    #: Recent predictions by (reply, parent): the toxicity and conspiracy slots of a cascade ask one
    #: seven-output checkpoint about the same replies, and the model's forward pass serves both.
    memo: dict[tuple[str, str | None], np.ndarray] = field(default_factory=dict)


#: Loaded models by scorer options, held weakly (a model lives as long as a scorer uses it).
#: :func:`modkit.score.score` sends scorers to forked workers by pickling them, which drops
#: the model (see ``__getstate__``); the worker finds its parent's model here instead of
#: loading it again, which would also deadlock torch in a forked process.
_LOADED: weakref.WeakValueDictionary[tuple, _Runtime] = weakref.WeakValueDictionary()


@scorers.register
class DetoxifyScorer(Scorer):
    """Toxicity scores from a Detoxify model or any checkpoint in Detoxify's format.

    Parameters
    ----------
    model : str, optional
        ``original``, ``unbiased``, ``multilingual``, ``original-small``,
        ``unbiased-small`` (looked up in torch's hub cache, where Detoxify saves its
        downloads; modkit never downloads) or ``modkit-minilm`` (built by
        ``python -m modkit.train.recipes.minilm``). Default ``original``.
    checkpoint : str, optional
        A local Detoxify ``.ckpt`` file; overrides ``model``.
    config_dir : str, optional
        Folder with the base model's ``config.json`` and tokenizer files. Default: the
        checkpoint's folder if it has a ``config.json``, else the local Hugging Face cache.
    engine : {"torch", "onnx", "onnx-int8"}
        Inference engine. The ONNX graphs are exported on first use and cached.
    context : {"none", "pair"}
        Score the reply alone, or as the pair (parent, reply); see the module notes.
    batch_size : int
        Most windows per batch.
    threads : int, optional
        CPU threads for inference (default: the cores this process may use).
    cache_dir : str, optional
        Where exported ONNX graphs are kept (default: modkit's user cache folder).
    trust_checkpoint : bool
        Allow a checkpoint holding arbitrary Python objects (unsafe with files from
        untrusted sources: loading them can run code).
    outputs : tuple of str, optional
        The checkpoint's outputs to return (default: all of them, except that a
        checkpoint which also scores ``conspiracy`` returns only its toxicity outputs
        here; the conspiracy slot asks for ``outputs=("conspiracy",)``).

    Examples
    --------
    >>> s = DetoxifyScorer(model="unbiased", engine="onnx-int8")
    >>> s.get_params()["engine"], s.name, s.kind
    ('onnx-int8', 'detoxify', 'toxicity')
    """

    name = "detoxify"

    @property
    def languages(self) -> tuple[str, ...]:
        """Detoxify's ``multilingual`` model reads seven languages; the others English."""
        if "multilingual" in str(self.model or ""):
            return ("en", "fr", "es", "it", "pt", "tr", "ru")
        return ("en",)

    def __init__(self, model: str | None = None, checkpoint: str | None = None, config_dir: str | None = None,
                 engine: str = "torch", context: str = "none", batch_size: int = DEFAULT_BATCH_SIZE,
                 threads: int | None = None, cache_dir: str | None = None, trust_checkpoint: bool = False,
                 outputs: tuple[str, ...] | None = None):
        self.model = model
        self.checkpoint = checkpoint
        self.config_dir = config_dir
        self.engine = engine
        self.context = context
        self.batch_size = batch_size
        self.threads = threads
        self.cache_dir = cache_dir
        self.trust_checkpoint = trust_checkpoint
        self.outputs = outputs

    @property
    def kind(self) -> str:  # type: ignore[override]
        """``conspiracy`` when asked for that output alone, else ``toxicity``."""
        return "conspiracy" if tuple(self.outputs or ()) == ("conspiracy",) else "toxicity"

    def _check_options(self) -> tuple[int, int | None]:
        """Validated ``(batch_size, threads)``; :class:`ConfigError` names a bad option."""
        if self.engine not in ENGINES:
            raise ConfigError(f"detoxify engine {self.engine!r}; choose one of: {', '.join(ENGINES)}")
        if self.context not in CONTEXTS:
            raise ConfigError(f"detoxify context {self.context!r}; choose one of: {', '.join(CONTEXTS)}")
        try:
            batch = int(self.batch_size)
            threads = None if self.threads is None else int(self.threads)
        except (TypeError, ValueError):
            raise ConfigError("detoxify batch_size and threads must be whole numbers") from None
        if batch < 1 or (threads is not None and threads < 1):
            raise ConfigError("detoxify batch_size and threads must be positive")
        return batch, threads

    def _runtime(self) -> _Runtime:
        """The loaded checkpoint's classes and classifier (built on first use, then kept)."""
        batch, threads = self._check_options()
        from modkit.score import detoxify_checkpoint as dc

        bundle = self._bundle()
        if bundle is not None:  # modkit's MiniLM on ONNX Runtime alone: no torch, no transformers
            key = ("bundle", str(bundle), (bundle / "bundle.json").stat().st_mtime_ns, batch, threads)
            state = self.__dict__.get("_runtime_")
            if state is None or state.key != key:
                state = _LOADED.get(key) or self._load_bundle(bundle, key, batch, threads)
                _LOADED[key] = state
            self.__dict__["_runtime_"] = state
            return state
        path = dc.locate_checkpoint(self.model, self.checkpoint, self.cache_dir)
        stat = path.stat() if path.is_file() else None  # a rewritten checkpoint is loaded afresh
        key = (self.model, str(path), stat and (stat.st_size, stat.st_mtime_ns), self.config_dir, self.engine,
               batch, threads, self.cache_dir, self.trust_checkpoint)
        state = self.__dict__.get("_runtime_")
        if state is None or state.key != key:
            state = _LOADED.get(key)
        if state is None:
            state = self._load(dc, path, key, batch, threads)
            _LOADED[key] = state
        self.__dict__["_runtime_"] = state
        return state

    def _bundle(self) -> Path | None:
        """The MiniLM's ONNX bundle, when this scorer asks for what it holds and it matches the checkpoint."""
        from modkit.score import detoxify_checkpoint as dc
        from modkit.score.onnx_bundle import BUNDLE_DIR, bundle_meta, is_current

        if self.model != dc.MODKIT_MINILM or self.checkpoint is not None or self.config_dir is not None \
                or self.engine != "onnx-int8":
            return None
        folder = dc.minilm_dir(self.cache_dir) / BUNDLE_DIR
        meta = bundle_meta(folder)
        if meta is None:
            return None
        if not is_current(meta, dc.minilm_dir(self.cache_dir) / "minilm.ckpt"):
            return None  # a rebuilt checkpoint whose bundle was not rewritten: use the checkpoint
        return folder

    def _load_bundle(self, folder: Path, key: tuple, batch: int, threads: int | None) -> _Runtime:
        from modkit.score.onnx_bundle import load_bundle

        meta, classifier = load_bundle(folder, threads, batch)
        calibration = {k: (float(v[0]), float(v[1])) for k, v in meta.get("calibration", {}).items()}
        return _Runtime(key, tuple(meta["classes"]), classifier,
                        f"detoxify:{self.model}@{meta['checkpoint_sha256'][:12]}", calibration)

    def _load(self, dc: Any, path: Path, key: tuple, batch: int, threads: int | None) -> _Runtime:
        from modkit.score.fast_infer import ChunkedClassifier, OnnxEngine, TorchEngine

        ckpt = dc.read_checkpoint(path, trust=self.trust_checkpoint)
        config, tokenizer = dc.load_config(ckpt, self.config_dir)
        if self.engine == "torch":
            engine: Any = TorchEngine(dc.build_model(ckpt, config), threads)
        else:
            from modkit.score.onnx_export import onnx_model

            path = onnx_model(config, tokenizer, ckpt, self.engine, lambda: dc.build_model(ckpt, config),
                              self.cache_dir)
            engine = OnnxEngine(path, threads)
        classifier = ChunkedClassifier(tokenizer, engine, n_outputs=len(ckpt.class_names),
                                       max_tokens=dc.max_tokens(config, tokenizer), batch_size=batch)
        label = self.model or (ckpt.path.stem if self.checkpoint else "original")
        return _Runtime(key, ckpt.class_names, classifier, f"detoxify:{label}@{ckpt.sha256[:12]}",
                        ckpt.calibration)

    def __getstate__(self) -> dict:
        # the loaded model stays out of pickles and clones: it is rebuilt on first use
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns the live __dict__
        state.pop("_runtime_", None)
        return state

    def load(self) -> DetoxifyScorer:
        """Load the checkpoint (and export the ONNX graph) now rather than on first use; returns ``self``.

        Errors in the options, the checkpoint or its config surface here.
        """
        self._runtime()
        return self

    @property
    def attributes(self) -> tuple[str, ...]:
        """The outputs returned, under Detoxify's names (see ``outputs``)."""
        classes = self._runtime().classes
        if self.outputs is not None:
            unknown = [o for o in self.outputs if o not in classes]
            if unknown:
                raise ConfigError(f"detoxify outputs {unknown}: the checkpoint scores {', '.join(classes)}")
            return tuple(self.outputs)
        if "conspiracy" in classes and len(classes) > 1:
            return tuple(c for c in classes if c != "conspiracy")
        return classes

    @property
    def version(self) -> str:
        """Model label, checkpoint hash, engine, context and the outputs asked for: anything that changes
        the scores (two slots asking one checkpoint for different outputs must not share cache rows)."""
        outputs = "" if self.outputs is None else "/" + ",".join(self.outputs)
        return f"{self._runtime().label}/{self.engine}/{self.context}{outputs}"

    def predict_proba(self, comments: pd.DataFrame) -> pd.DataFrame:
        """One column per attribute in [0, 1], indexed like ``comments``."""
        check_comments(comments)
        run = self._runtime()
        replies = texts(comments)
        parents = texts(comments, PARENT_TEXT_COL) if self.context == "pair" else None
        wanted = self.attributes
        probs = pd.DataFrame(_predict_memo(run, replies, parents), index=comments.index,
                             columns=list(run.classes))[list(wanted)]
        for attr, (slope, intercept) in run.calibration.items():
            if attr in probs.columns:
                probs[attr] = platt(probs[attr].to_numpy(dtype=float), slope, intercept)
        return probs.clip(0.0, 1.0)


#: Most predictions a loaded model remembers (about 6 MB for seven outputs).
MEMO_ROWS = 100_000


def _predict_memo(run: _Runtime, replies: list[str], parents: list[str] | None) -> np.ndarray:
    """The classifier's outputs for each reply, computing only those not in the runtime's memo."""
    keys = [(r, parents[i] if parents is not None else None) for i, r in enumerate(replies)]
    todo = list(dict.fromkeys(k for k in keys if k not in run.memo))
    if todo:
        fresh = run.classifier.predict([k[0] for k in todo], [k[1] for k in todo] if parents is not None else None)
        if len(run.memo) + len(todo) > MEMO_ROWS:
            run.memo.clear()
        found = dict(zip(todo, fresh, strict=True))
        if len(todo) <= MEMO_ROWS:
            run.memo.update(found)
    else:
        found = {}
    out = np.empty((len(keys), len(run.classes)))
    for i, k in enumerate(keys):
        out[i] = found[k] if k in found else run.memo[k]
    return out


def platt(p: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """Probabilities re-mapped by Platt scaling of their logits: ``sigmoid(slope * logit(p) + intercept)``.

    Examples
    --------
    >>> platt(np.array([0.5, 0.9]), 1.0, 0.0).round(3).tolist()
    [0.5, 0.9]
    >>> platt(np.array([0.5]), 1.0, -1.0).round(3).tolist()
    [0.269]
    """
    q = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    z = slope * np.log(q / (1 - q)) + intercept
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
