"""modkit's MiniLM without torch: its int8 ONNX graph, ``tokenizer.json`` and outputs, in one folder.

The MiniLM recipe (which has torch) writes the bundle beside the checkpoint
(``<cache>/models/minilm/onnx/``): the int8 graph the Detoxify backend exports, the fast
tokenizer's ``tokenizer.json``, and ``bundle.json`` with the output names, the
calibration, the window length and the checkpoint's hash. At run time
:func:`load_bundle` needs only ONNX Runtime and the ``tokenizers`` package: the encoder
extra no longer pulls in torch to score. :class:`TokenizerAdapter` gives a
``tokenizers.Tokenizer`` the calls :func:`modkit.score.fast_infer.encode` makes of a
transformers tokenizer, with the same ids (checked against transformers in the tests).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BUNDLE_DIR = "onnx"
GRAPH = "model-int8.onnx"
TOKENIZER = "tokenizer.json"
META = "bundle.json"
#: Bump when the bundle's layout changes; a bundle of another format is ignored (the checkpoint is used).
BUNDLE_FORMAT = 1


class TokenizerAdapter:
    """A ``tokenizers.Tokenizer`` answering the calls :mod:`modkit.score.fast_infer` makes of a
    transformers fast tokenizer (batch encoding with truncation, stride and overflow, offsets).

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("tokenizers")  # the encoder extra
    >>> from tokenizers import Tokenizer, models, pre_tokenizers
    >>> tok = Tokenizer(models.WordLevel({"[UNK]": 0, "[PAD]": 1, "hi": 2, "you": 3}, unk_token="[UNK]"))
    >>> tok.pre_tokenizer = pre_tokenizers.Whitespace()
    >>> a = TokenizerAdapter(tok, pad_token_id=1, model_input_names=["input_ids", "attention_mask"])
    >>> a(["hi you hi"], truncation=True, max_length=2, stride=1, return_overflowing_tokens=True)["input_ids"]
    [[2, 3], [3, 2]]
    """

    def __init__(self, tokenizer: Any, pad_token_id: int, model_input_names: Sequence[str]):
        self.tokenizer = tokenizer
        self.pad_token_id = pad_token_id
        self.model_input_names = list(model_input_names)

    def __call__(self, text: Sequence[str], text_pair: Sequence[str] | None = None, *, truncation: Any = False,
                 max_length: int | None = None, stride: int = 0, return_overflowing_tokens: bool = False,
                 add_special_tokens: bool = True, return_offsets_mapping: bool = False,
                 return_attention_mask: bool = False, return_token_type_ids: bool = False) -> dict[str, list]:
        tok = self.tokenizer
        tok.no_padding()
        if truncation and max_length:
            strategy = "only_second" if truncation == "only_second" else "longest_first"
            tok.enable_truncation(max_length, stride=stride, strategy=strategy, direction="right")
        else:
            tok.no_truncation()
        inputs = list(text) if text_pair is None else list(zip(text, text_pair, strict=True))
        out: dict[str, list] = {"input_ids": [], "overflow_to_sample_mapping": []}
        if return_token_type_ids:
            out["token_type_ids"] = []
        if return_offsets_mapping:
            out["offset_mapping"] = []
        for i, enc in enumerate(tok.encode_batch(inputs, add_special_tokens=add_special_tokens)):
            # transformers lists an encoding and then its overflowing windows, each mapped to its sample
            for e in [enc, *(enc.overflowing if return_overflowing_tokens else [])]:
                out["input_ids"].append(e.ids)
                out["overflow_to_sample_mapping"].append(i)
                if return_token_type_ids:
                    out["token_type_ids"].append(e.type_ids)
                if return_offsets_mapping:
                    out["offset_mapping"].append(e.offsets)
        return out


def write_bundle(checkpoint: str | Path, cache_dir: str | Path | None = None) -> Path:
    """Export the checkpoint's int8 graph (needs torch) and write the bundle beside it; returns its folder.

    The checkpoint's folder must hold the config and a ``tokenizer.json`` (the MiniLM recipe writes both).
    """
    from modkit.score import detoxify_checkpoint as dc
    from modkit.score.onnx_export import onnx_model

    checkpoint = Path(checkpoint)
    ckpt = dc.read_checkpoint(checkpoint)
    config, tokenizer = dc.load_config(ckpt)
    graph = onnx_model(config, tokenizer, ckpt, "onnx-int8", lambda: dc.build_model(ckpt, config), cache_dir)
    folder = checkpoint.parent / BUNDLE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(graph, folder / GRAPH)
    shutil.copyfile(checkpoint.parent / TOKENIZER, folder / TOKENIZER)
    st = checkpoint.stat()
    meta = {"format": BUNDLE_FORMAT, "checkpoint_sha256": ckpt.sha256, "classes": list(ckpt.class_names),
            "checkpoint_stat": [st.st_size, st.st_mtime_ns],
            "calibration": {k: list(v) for k, v in ckpt.calibration.items()},
            "max_tokens": dc.max_tokens(config, tokenizer), "pad_token_id": tokenizer.pad_token_id or 0,
            "model_input_names": list(tokenizer.model_input_names)}
    (folder / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return folder


def is_current(meta: dict, checkpoint: Path) -> bool:
    """Whether the bundle was written from ``checkpoint`` as it is now (size and modification time, so a
    process does not hash 90 MB to find out); a missing checkpoint leaves the bundle current.

    Examples
    --------
    >>> is_current({"checkpoint_stat": [1, 2]}, Path("/nonexistent/minilm.ckpt"))
    True
    """
    if not checkpoint.is_file():
        return True
    st = checkpoint.stat()
    return meta.get("checkpoint_stat") == [st.st_size, st.st_mtime_ns]


def bundle_meta(folder: str | Path) -> dict | None:
    """The bundle's ``bundle.json``, or ``None`` when the folder holds no complete bundle of this format."""
    folder = Path(folder)
    if not all((folder / f).is_file() for f in (GRAPH, TOKENIZER, META)):
        return None
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("format") == BUNDLE_FORMAT else None


def load_bundle(folder: str | Path, threads: int | None = None, batch_size: int = 32) -> tuple[dict, Any]:
    """``(meta, classifier)``: the bundle's description and a :class:`~modkit.score.fast_infer.ChunkedClassifier`
    on ONNX Runtime, built with no torch and no transformers."""
    from tokenizers import Tokenizer

    from modkit.score.fast_infer import ChunkedClassifier, OnnxEngine

    folder = Path(folder)
    meta = bundle_meta(folder)
    if meta is None:
        raise FileNotFoundError(f"{folder}: no modkit ONNX bundle here")
    from modkit.score.detoxify_checkpoint import CheckpointError, first_line

    try:
        tok = TokenizerAdapter(Tokenizer.from_file(str(folder / TOKENIZER)), meta["pad_token_id"],
                               meta["model_input_names"])
        engine = OnnxEngine(folder / GRAPH, threads)
    except Exception as exc:  # a truncated or corrupted file: onnxruntime and tokenizers raise their own types
        raise CheckpointError(f"{folder}: the MiniLM's ONNX bundle is damaged ({first_line(exc)}); rebuild it "
                              "with python -m modkit.train.recipes.minilm, or delete the folder") from None
    return meta, ChunkedClassifier(tok, engine, n_outputs=len(meta["classes"]), max_tokens=meta["max_tokens"],
                                   batch_size=batch_size)
