"""Fidelity of the fast engines on a checkpoint with trained weights (``modkit-minilm``).

Random weights give nearly constant scores, so rank agreement measured on them is
noise; this benchmark uses the MiniLM checkpoint that ``python -m modkit.train.recipes.minilm``
builds into modkit's user cache (its calibration left out, since Detoxify applies none),
and the recipe's held-out texts (none of them seen in training).

It scores every text with Detoxify 0.5.4's own ``predict`` (batches of 32) and with
modkit's ``torch``, ``onnx`` and ``onnx-int8`` engines, and reports per attribute:

- largest absolute difference of torch and ONNX fp32 from Detoxify (target: 1e-4);
- int8 against fp32: Spearman rank correlation (target >= 0.99), agreement of the
  flag decisions at 0.5 (target >= 98%), the same agreement among texts either
  flags (stricter: most texts are far from any threshold), largest difference;
- ROC AUC against the human labels for fp32 and int8 (what quantisation costs).

Usage: python benchmarks/bench_detoxify_int8_fidelity.py [--per-set N]
(needs the detoxify and minilm extras and ../shared/datasets)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import report  # noqa: E402
from bench_detoxify_speed import DETOXIFY_BATCH, missing_dependencies  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
THRESHOLD = 0.5
SEED = 11


def main(per_set: int = 2000) -> dict | None:
    missing = missing_dependencies()
    if missing:
        print(f"skipped bench_detoxify_int8_fidelity: needs {', '.join(missing)} (pip install -e '.[detoxify]')")
        return None
    from modkit.score.detoxify_checkpoint import minilm_dir

    ckpt_path = minilm_dir() / "minilm.ckpt"
    if not ckpt_path.is_file() or not (SHARED / "toxicity").exists():
        print(f"skipped bench_detoxify_int8_fidelity: needs {ckpt_path} (python -m "
              "modkit.train.recipes.minilm) and ../shared/datasets")
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    import pandas as pd
    import torch
    from detoxify import Detoxify
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score

    from modkit.score.scorers.detoxify import DetoxifyScorer
    from modkit.train.recipes.minilm import load_data

    held_out = load_data(SHARED)["toxicity_test"]
    pick = np.sort(np.random.default_rng(SEED).permutation(len(held_out))[:per_set])
    texts = held_out["text"].astype(str).iloc[pick].tolist()
    y = held_out["label"].astype(int).to_numpy()[pick]
    frame = pd.DataFrame({"text": texts})
    with tempfile.TemporaryDirectory() as tmp:
        # Detoxify's loader asks the hub for the base config unless the checkpoint names a local folder.
        twin = torch.load(ckpt_path, weights_only=True)
        twin["config"]["arch"]["args"]["model_type"] = str(ckpt_path.parent)
        twin["config"].pop("calibration", None)
        torch.save(twin, Path(tmp) / "twin.ckpt")
        reference = Detoxify(checkpoint=str(Path(tmp) / "twin.ckpt"), huggingface_config_path=str(ckpt_path.parent))
        ref_cols = []
        for i in range(0, len(texts), DETOXIFY_BATCH):
            out = reference.predict(texts[i:i + DETOXIFY_BATCH])
            ref_cols.append(np.column_stack([np.atleast_1d(out[c]) for c in reference.class_names]))
        ref = np.vstack(ref_cols)
        scores = {engine: DetoxifyScorer(checkpoint=str(Path(tmp) / "twin.ckpt"), config_dir=str(ckpt_path.parent),
                                         engine=engine, cache_dir=tmp, outputs=tuple(reference.class_names))
                  .predict_proba(frame).to_numpy() for engine in ("torch", "onnx", "onnx-int8")}
        fits = np.array([len(reference.tokenizer(t, verbose=False)["input_ids"]) <= 512 for t in texts])
    fp32, int8 = scores["onnx"], scores["onnx-int8"]
    rows: dict = {"checkpoint": str(ckpt_path), "texts": len(texts), "positives": int(y.sum()),
                  "attributes": {}}
    for j, attr in enumerate(reference.class_names):
        f, q = fp32[:, j], int8[:, j]
        flag_f, flag_q = f >= THRESHOLD, q >= THRESHOLD
        either = flag_f | flag_q
        rows["attributes"][attr] = {
            "max_abs_diff_torch_vs_detoxify": float(np.abs(scores["torch"][fits, j] - ref[fits, j]).max()),
            "max_abs_diff_onnx_fp32_vs_detoxify": float(np.abs(f[fits] - ref[fits, j]).max()),
            "int8_vs_fp32_spearman": round(float(spearmanr(f, q).statistic), 5),
            "int8_vs_fp32_flag_agreement": round(float((flag_f == flag_q).mean()), 5),
            "int8_vs_fp32_flag_agreement_among_flagged": round(float((flag_f == flag_q)[either].mean()), 5),
            "int8_vs_fp32_max_abs_diff": round(float(np.abs(f - q).max()), 5),
            "flagged_fp32": int(flag_f.sum()), "flagged_int8": int(flag_q.sum()),
            "roc_auc_fp32": round(float(roc_auc_score(y, f)), 4),
            "roc_auc_int8": round(float(roc_auc_score(y, q)), 4),
        }
    report("detoxify_int8_fidelity", rows)
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="int8 vs fp32 fidelity on the MiniLM checkpoint")
    ap.add_argument("--per-set", type=int, default=2000, help="texts sampled from each held-out set")
    main(ap.parse_args().per_set)
