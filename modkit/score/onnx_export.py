"""ONNX export of a Detoxify checkpoint's model, and its int8 dynamic quantisation, cached on disk.

The first use of ``engine="onnx"`` or ``"onnx-int8"`` exports the torch model (fp32,
dynamic batch and sequence axes) and, for int8, quantises the MatMul weights with
ONNX Runtime's dynamic quantisation (weights int8 per channel, activations quantised
on the fly). The files live in ``<cache>/onnx/<key>/``; the key hashes the checkpoint
file, the config and the versions of everything that shapes the export, so a changed
checkpoint or toolchain never reuses a stale graph. Files are written to a temporary
name and renamed, so concurrent runs never read a half-written model.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from modkit.score.detoxify_checkpoint import (
    CheckpointError,
    DetoxifyCheckpoint,
    cache_root,
    first_line,
    require,
)

#: ONNX operator set of the export: supported by every ONNX Runtime of the last years.
OPSET = 17
#: Bump when the export or quantisation settings change: it is part of the cache key.
EXPORT_FORMAT = "1"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
#: ONNX Runtime's quantiser logs this hint on the root logger for every graph not run through its
#: shape-inference pre-pass; the pre-pass changed no score on the MiniLM checkpoint, so the hint is noise.
PREPROCESS_HINT = "pre-processing before quantization"
#: Sequence length of the dummy input the exporter traces (any length works: the axes are dynamic).
TRACE_TOKENS = 16


def export_key(ckpt: DetoxifyCheckpoint, config_json: str) -> str:
    """Cache key of the exported graphs of one checkpoint and config with this toolchain.

    Examples
    --------
    >>> from pathlib import Path
    >>> ck = DetoxifyCheckpoint(Path("m.ckpt"), "ab" * 32, "bert", "B", "T", 1, ("toxicity",), {})
    >>> len(export_key(ck, "{}"))
    24
    """
    versions = {m: _version(m) for m in ("torch", "transformers", "onnxruntime")}
    h = hashlib.sha256(json.dumps([EXPORT_FORMAT, OPSET, config_json, versions], sort_keys=True).encode())
    return f"{ckpt.sha256[:16]}{h.hexdigest()[:8]}"


def _version(module: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(module)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def onnx_model(config: Any, tokenizer: Any, ckpt: DetoxifyCheckpoint, engine: str,
               build: Callable[[], Any], cache_dir: str | os.PathLike | None = None) -> Path:
    """Path of the ONNX graph for ``engine`` (``"onnx"`` or ``"onnx-int8"``), exporting it if needed.

    ``build`` returns the torch model; it is only called when the graph is not cached yet.
    """
    folder = cache_root(cache_dir) / "onnx" / export_key(ckpt, config.to_json_string(use_diff=False))
    fp32 = folder / "model-fp32.onnx"
    if not fp32.is_file():
        export(build(), tokenizer, fp32)
    if engine == "onnx":
        return fp32
    int8 = folder / "model-int8.onnx"
    if not int8.is_file():
        quantize_int8(fp32, int8)
    return int8


def input_names(tokenizer: Any) -> list[str]:
    """The model inputs to export and feed: ids and mask, plus segment ids when the tokenizer makes them.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> input_names(NS(model_input_names=["input_ids", "attention_mask"]))
    ['input_ids', 'attention_mask']
    """
    wanted = set(getattr(tokenizer, "model_input_names", ())) | {"input_ids", "attention_mask"}
    return [n for n in INPUT_NAMES if n in wanted]


def export(model: Any, tokenizer: Any, path: Path) -> Path:
    """Export ``model`` (a transformers sequence classifier) to ONNX with dynamic batch and length."""
    torch = require("torch")
    require("onnx")
    names = input_names(tokenizer)
    dummy = tuple(torch.zeros((2, TRACE_TOKENS), dtype=torch.int64) if n == "token_type_ids"
                  else torch.ones((2, TRACE_TOKENS), dtype=torch.int64) for n in names)
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}}
    with _replacing(path) as tmp, torch.inference_mode(), warnings.catch_warnings():
        # the exporter's tracing and deprecation notices are about its internals, not the user's input
        warnings.simplefilter("ignore")
        # The TorchScript exporter (dynamo=False) needs no onnxscript and keeps the
        # attention-mask arithmetic dynamic in both axes.
        torch.onnx.export(_logits_only(model.eval(), names), dummy, str(tmp), input_names=names,
                          output_names=["logits"], dynamic_axes=axes, opset_version=OPSET, dynamo=False,
                          external_data=False)
    return path


def _logits_only(model: Any, names: list[str]) -> Any:
    """``model`` as a module taking the inputs ``names`` positionally and returning only the logits."""
    torch = require("torch")

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, *inputs: Any) -> Any:
            return self.inner(**dict(zip(names, inputs, strict=True))).logits

    return LogitsOnly()


def quantize_int8(src: Path, dst: Path) -> Path:
    """Dynamic int8 quantisation of an fp32 graph (per-channel int8 MatMul weights).

    Per-channel scales keep the ranking of scores (Spearman 0.997 against fp32 on the
    MiniLM checkpoint, where one scale per tensor gave 0.988); the embeddings stay fp32.
    """
    require("onnx")
    quantization = require("onnxruntime.quantization")
    with _replacing(dst) as tmp, _without_root_hint(PREPROCESS_HINT):
        quantization.quantize_dynamic(str(src), str(tmp), weight_type=quantization.QuantType.QInt8,
                                      per_channel=True, op_types_to_quantize=["MatMul"])
    return dst


@contextlib.contextmanager
def _without_root_hint(fragment: str) -> Iterator[None]:
    """Drop root-logger records containing ``fragment`` while the block runs."""
    def keep(record: logging.LogRecord) -> bool:
        return fragment not in record.getMessage()

    root = logging.getLogger()
    root.addFilter(keep)
    try:
        yield
    finally:
        root.removeFilter(keep)


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it on success and is removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.stem + ".", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.replace(path)
    except Exception as exc:
        raise CheckpointError(f"{path}: ONNX {'quantisation' if 'int8' in path.name else 'export'} failed "
                              f"({type(exc).__name__}: {first_line(exc)})") from exc
    finally:
        tmp.unlink(missing_ok=True)

