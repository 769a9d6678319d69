"""Detoxify checkpoints: find them, read them, and build their model with no network.

A Detoxify checkpoint (``.ckpt``, a ``torch.save`` file) holds ``config`` (its
training configuration: ``arch.args`` names the base model, the transformers model
and tokenizer classes and the number of outputs; ``dataset.args.classes`` names the
outputs) and ``state_dict`` (the weights). Detoxify 0.5.4 builds the model by asking
the model hub for the base model's config even when it is given a local checkpoint
and config folder. Here :func:`load_config` reads the config and tokenizer from
local files only (the config folder the user gives, the checkpoint's own folder, or
the local Hugging Face cache, always with ``local_files_only=True``) and
:func:`build_model` then builds the model the way Detoxify does.

The heavy libraries (torch, transformers) are imported inside the functions, so this
module imports without the ``detoxify`` extra.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from modkit.errors import ConfigError, ModkitError
from modkit.score.cache import default_cache_path

#: Detoxify's model names and their checkpoint files (from Detoxify 0.5.4's ``MODEL_URLS``).
#: Detoxify downloads them into torch's hub cache, where modkit looks for them.
DETOXIFY_RELEASES = "https://github.com/unitaryai/detoxify/releases/download/"
DETOXIFY_CHECKPOINTS: dict[str, str] = {
    "original": "v0.1-alpha/toxic_original-c1212f89.ckpt",
    "unbiased": "v0.3-alpha/toxic_debiased-c7548aa0.ckpt",
    "multilingual": "v0.4-alpha/multilingual_debiased-0b549669.ckpt",
    "original-small": "v0.1.2/original-albert-0e1d6498.ckpt",
    "unbiased-small": "v0.1.2/unbiased-albert-c8519128.ckpt",
}
#: modkit's own MiniLM checkpoint, built into the user cache by
#: ``python -m modkit.train.recipes.minilm``.
MODKIT_MINILM = "modkit-minilm"
MODEL_NAMES: tuple[str, ...] = (*DETOXIFY_CHECKPOINTS, MODKIT_MINILM)

#: Detoxify's renaming of the Jigsaw class names to its output names (``load_checkpoint``).
CLASS_NAME_MAP: dict[str, str] = {
    "toxic": "toxicity",
    "identity_hate": "identity_attack",
    "severe_toxic": "severe_toxicity",
}
#: Detoxify's models were trained on at most this many tokens per text.
MAX_TOKENS = 512
#: RoBERTa-style models number positions from ``pad_token_id + 1``, so that many
#: position embeddings are unusable.
ROBERTA_LIKE = frozenset({"roberta", "xlm-roberta", "camembert"})
#: The file that makes a folder a config folder (tokenizer files sit beside it).
CONFIG_FILE = "config.json"


class CheckpointError(ModkitError, ValueError):
    """A Detoxify checkpoint (or the config it needs) is missing, unreadable or inconsistent."""


class MissingExtraError(ModkitError, ImportError):
    """An optional dependency of the detoxify backend is not installed."""


def require(module: str, extra: str = "detoxify") -> Any:
    """Import an optional dependency, or fail with one line naming the extra that installs it.

    Examples
    --------
    >>> require("json").__name__
    'json'
    >>> require("no_such_module_xyz")
    Traceback (most recent call last):
    ...
    modkit.score.detoxify_checkpoint.MissingExtraError: the detoxify backend needs no_such_module_xyz: ...
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(f"the detoxify backend needs {module}: pip install 'modkit[{extra}]'") from None


def output_names(classes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """A checkpoint's class names as Detoxify's output names.

    Examples
    --------
    >>> output_names(["toxic", "severe_toxic", "obscene", "identity_hate"])
    ('toxicity', 'severe_toxicity', 'obscene', 'identity_attack')
    """
    return tuple(CLASS_NAME_MAP.get(c, c) for c in classes)


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """modkit's cache folder: ``cache_dir`` if given, else the folder of the score cache.

    Examples
    --------
    >>> cache_root("/tmp/x")
    PosixPath('/tmp/x')
    """
    return Path(cache_dir) if cache_dir is not None else default_cache_path().parent


def minilm_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the MiniLM recipe writes its checkpoint and config folder."""
    return cache_root(cache_dir) / "models" / "minilm"


def locate_checkpoint(model: str | None, checkpoint: str | os.PathLike | None,
                      cache_dir: str | os.PathLike | None = None) -> Path:
    """The checkpoint file to load, found without any network access.

    ``checkpoint`` wins when given. A Detoxify model name is looked up in torch's hub
    cache (where Detoxify itself saves downloads); ``modkit-minilm`` in modkit's cache.

    Examples
    --------
    >>> locate_checkpoint("orignal", None)
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: unknown Detoxify model 'orignal'; choose one of: original, ...
    """
    if checkpoint is not None:
        return Path(checkpoint).expanduser()
    name = model or "original"
    if name not in MODEL_NAMES:
        raise ConfigError(f"unknown Detoxify model {name!r}; choose one of: {', '.join(MODEL_NAMES)}, "
                          "or pass checkpoint=PATH")
    if name == MODKIT_MINILM:
        path = minilm_dir(cache_dir) / "minilm.ckpt"
        if not path.is_file():
            raise CheckpointError(f"model {name!r} is not built on this machine ({path} is missing): run "
                                  "python -m modkit.train.recipes.minilm")
        return path
    release = DETOXIFY_CHECKPOINTS[name]
    hub = _torch_hub_dir() / "checkpoints"
    path = hub / release.rsplit("/", 1)[1]
    if not path.is_file():
        raise CheckpointError(
            f"Detoxify model {name!r} is not on this machine and modkit never downloads: pass "
            f"checkpoint=PATH (CLI: --checkpoint PATH) to a local copy of {DETOXIFY_RELEASES}{release}, "
            f"or put that file in {hub}")
    return path


def _torch_hub_dir() -> Path:
    # torch.hub.get_dir's rule, without importing torch just to find a folder.
    if os.environ.get("TORCH_HOME"):
        return Path(os.environ["TORCH_HOME"]) / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(xdg) / "torch" / "hub"


@dataclass(frozen=True)
class DetoxifyCheckpoint:
    """What a checkpoint says about its model, plus its weights.

    Attributes
    ----------
    path : Path
        The file read.
    sha256 : str
        Hex digest of the file (keys caches and the scorer version).
    base_model : str
        The base model the checkpoint was trained from (``arch.args.model_type``).
    model_class, tokenizer_class : str
        transformers class names (``arch.args.model_name`` / ``tokenizer_name``).
    num_classes : int
        Number of model outputs.
    class_names : tuple of str
        Output names (Detoxify's), one per scored output, in output order.
    calibration : dict
        ``{class: (slope, intercept)}``: Platt scaling of an output's logit, when the
        checkpoint's config has ``calibration`` (modkit's MiniLM recipe writes it).
    """

    path: Path
    sha256: str
    base_model: str
    model_class: str
    tokenizer_class: str
    num_classes: int
    class_names: tuple[str, ...]
    state_dict: dict = field(repr=False, compare=False)
    calibration: dict = field(default_factory=dict, compare=False)


def read_checkpoint(path: str | os.PathLike, trust: bool = False) -> DetoxifyCheckpoint:
    """Read a Detoxify checkpoint; :class:`CheckpointError` says in one line what is wrong.

    Parameters
    ----------
    path : path-like
        The ``.ckpt`` file.
    trust : bool
        Allow arbitrary pickled objects (``torch.load(weights_only=False)``). Off by
        default: a checkpoint then holds only tensors and plain data, so loading it
        cannot run code from the file.
    """
    torch = require("torch")
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        loaded = _torch_load(torch, path, trust)
    except Exception as exc:
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
        if found and not trust:
            raise CheckpointError(f"{path}: the checkpoint holds Python objects ({found.group(1)}), and loading "
                                  "them can run code from the file; if you trust its source, pass "
                                  "trust_checkpoint=True") from None
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(exc).__name__}: "
                              f"{first_line(exc)})") from None
    if not isinstance(loaded, dict) or "config" not in loaded or not isinstance(loaded.get("state_dict"), dict):
        raise CheckpointError(f"{path}: not a Detoxify checkpoint (needs 'config' and 'state_dict' entries)")
    expected = ("expected config.arch.args.model_type, model_name, tokenizer_name, num_classes and "
                "config.dataset.args.classes")
    try:
        args = loaded["config"]["arch"]["args"]
        classes = list(loaded["config"]["dataset"]["args"]["classes"])
        base, model_class, tok_class = args["model_type"], args["model_name"], args["tokenizer_name"]
        num_classes = int(args["num_classes"])
    except KeyError as exc:
        raise CheckpointError(f"{path}: checkpoint config lacks {exc} ({expected})") from None
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: checkpoint config is malformed ({first_line(exc)}; {expected})") from None
    names = output_names([str(c) for c in classes])
    if not names or len(names) > num_classes or len(set(names)) != len(names):
        raise CheckpointError(f"{path}: class names {list(names)} do not fit a model with {num_classes} outputs")
    calibration = _calibration(path, loaded["config"].get("calibration"), names)
    return DetoxifyCheckpoint(path=path, sha256=_sha256(path), base_model=str(base), model_class=str(model_class),
                              tokenizer_class=str(tok_class), num_classes=num_classes, class_names=names,
                              state_dict=_strip_prefix(dict(loaded["state_dict"])), calibration=calibration)


def _calibration(path: Path, raw: Any, names: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """The checkpoint's ``calibration`` entry, checked: ``{class: (slope, intercept)}``."""
    if raw is None:
        return {}
    try:
        out = {str(k): (float(v[0]), float(v[1])) for k, v in dict(raw).items()}
    except (TypeError, ValueError, IndexError, KeyError):
        raise CheckpointError(f"{path}: calibration must map class names to [slope, intercept]") from None
    unknown = sorted(set(out) - set(names))
    if unknown or not all(np.isfinite(v).all() for v in out.values()):
        raise CheckpointError(f"{path}: calibration names unknown classes {unknown} or holds non-finite numbers")
    return out


def _torch_load(torch: Any, path: Path, trust: bool) -> Any:
    with warnings.catch_warnings():
        # a damaged file makes torch warn about odd pickle protocols before it fails; the error says it all
        warnings.simplefilter("ignore")
        try:  # memory-map the weights: nothing is copied until the model takes them
            return torch.load(path, map_location="cpu", weights_only=not trust, mmap=True)
        except RuntimeError as exc:
            if "mmap" not in str(exc):  # only the legacy (pre-zip) format cannot be memory-mapped
                raise
            return torch.load(path, map_location="cpu", weights_only=not trust)


def _strip_prefix(state_dict: dict, prefix: str = "model.") -> dict:
    """Drop the ``model.`` prefix a PyTorch Lightning module adds, when every key has it."""
    if state_dict and all(k.startswith(prefix) for k in state_dict):
        return {k[len(prefix):]: v for k, v in state_dict.items()}
    return state_dict


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()



def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no details"


def config_source(ckpt: DetoxifyCheckpoint, config_dir: str | os.PathLike | None = None) -> str:
    """Where the base model's config and tokenizer come from, all local.

    In order: ``config_dir``; the checkpoint's own folder if it has a ``config.json``;
    the checkpoint's base model if that names a local folder; else the base model's
    name, to be found in the local Hugging Face cache by :func:`load_config`.
    """
    if config_dir is not None:
        folder = Path(config_dir).expanduser()
        if not (folder / CONFIG_FILE).is_file():
            raise CheckpointError(f"{folder}: config_dir has no {CONFIG_FILE} (it needs the base model's "
                                  "config.json and tokenizer files)")
        return str(folder)
    if (ckpt.path.parent / CONFIG_FILE).is_file():
        return str(ckpt.path.parent)
    if (Path(ckpt.base_model).expanduser() / CONFIG_FILE).is_file():
        return str(Path(ckpt.base_model).expanduser())
    return ckpt.base_model


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' progress bars and load reports; restore them afterwards."""
    from transformers.utils import logging as hf_logging

    bars, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_config(ckpt: DetoxifyCheckpoint, config_dir: str | os.PathLike | None = None) -> tuple[Any, Any]:
    """The base model's config (with the checkpoint's output count) and tokenizer, from local files only."""
    transformers = require("transformers")
    source = config_source(ckpt, config_dir)
    model_cls = _transformers_class(transformers, ckpt, ckpt.model_class)
    tok_cls = _transformers_class(transformers, ckpt, ckpt.tokenizer_class)
    with _quiet_transformers():
        try:
            config = model_cls.config_class.from_pretrained(source, num_labels=ckpt.num_classes,
                                                            local_files_only=True)
            tokenizer = tok_cls.from_pretrained(source, local_files_only=True)
        except (OSError, ValueError) as exc:
            if Path(source).is_dir():
                raise CheckpointError(f"{source}: cannot read the config or tokenizer ({first_line(exc)})") from None
            raise CheckpointError(
                f"{ckpt.path}: needs the config and tokenizer files of its base model {source!r}, which are not "
                "on this machine: pass config_dir=FOLDER (config.json plus tokenizer files), or put them "
                "next to the checkpoint") from None
    _check_tokenizer(tokenizer, config, source)
    return config, tokenizer


def _transformers_class(transformers: Any, ckpt: DetoxifyCheckpoint, name: str) -> Any:
    cls = getattr(transformers, name, None)
    if cls is None:
        raise CheckpointError(f"{ckpt.path}: transformers {transformers.__version__} has no class {name}")
    return cls


def build_model(ckpt: DetoxifyCheckpoint, config: Any) -> Any:
    """The checkpoint's transformers model, in eval mode, built as Detoxify builds it.

    Detoxify's ``get_model_and_tokenizer`` calls the model class's ``from_pretrained``
    with a config and the checkpoint's state dict; so does this, with the config from
    :func:`load_config`, and it also checks that every weight came from the checkpoint
    (``from_pretrained`` would quietly initialise missing ones at random).
    """
    transformers = require("transformers")
    model_cls = _transformers_class(transformers, ckpt, ckpt.model_class)
    with _quiet_transformers():
        try:
            model, info = model_cls.from_pretrained(None, config=config, state_dict=ckpt.state_dict,
                                                    output_loading_info=True)
        except (RuntimeError, ValueError, KeyError) as exc:
            raise CheckpointError(f"{ckpt.path}: weights do not fit the base model's config "
                                  f"({first_line(exc)})") from None
    missing = sorted(info.get("missing_keys") or ())
    if missing:
        raise CheckpointError(f"{ckpt.path}: weights do not fit the base model's config: {len(missing)} "
                              f"missing, e.g. {missing[0]}")
    return model.eval()


def _check_tokenizer(tokenizer: Any, config: Any, source: str) -> None:
    if not getattr(tokenizer, "is_fast", False):  # windowing long texts needs the Rust tokenizers
        raise CheckpointError(f"{source}: {type(tokenizer).__name__} is not a fast (tokenizers-backed) "
                              "tokenizer, which modkit needs: pip install 'modkit[detoxify]'")
    # transformers 5 quietly builds a tokenizer of special tokens only when the vocabulary
    # files are absent; such a tokenizer turns every word into [UNK].
    size = len(tokenizer)
    vocab = getattr(config, "vocab_size", None)
    if size <= len(set(tokenizer.all_special_ids)):
        raise CheckpointError(f"{source}: no tokenizer vocabulary found (vocab.txt, tokenizer.json, "
                              "sentencepiece.bpe.model, spiece.model ...)")
    if vocab is not None and size > vocab:
        raise CheckpointError(f"{source}: the tokenizer has {size} tokens but the model only {vocab}")


def max_tokens(config: Any, tokenizer: Any) -> int:
    """Longest token sequence the model takes (specials included).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> max_tokens(NS(model_type="bert", max_position_embeddings=512), NS(model_max_length=10**30))
    512
    >>> max_tokens(NS(model_type="xlm-roberta", max_position_embeddings=514, pad_token_id=1),
    ...            NS(model_max_length=512))
    512
    >>> max_tokens(NS(model_type="bert", max_position_embeddings=128), NS(model_max_length=512))
    128
    """
    positions = int(getattr(config, "max_position_embeddings", MAX_TOKENS) or MAX_TOKENS)
    if getattr(config, "model_type", "") in ROBERTA_LIKE:
        positions -= int(getattr(config, "pad_token_id", 1) or 0) + 1
    return int(min(MAX_TOKENS, positions, getattr(tokenizer, "model_max_length", MAX_TOKENS) or MAX_TOKENS))
