"""The embedded ``lite`` toxicity scorer: interface, edge cases, context, model file, seeds, quality."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from modkit.registry import scorers
from modkit.score import lite_model, with_context
from modkit.score.base import TOXICITY_ATTRIBUTES
from modkit.score.batch_text import TextBatch, _hash_ngrams, normalise
from modkit.score.lite_model import LiteToxicityModel
from modkit.score.scorers import lite
from modkit.score.scorers.lite import DEFAULT_MODEL, LiteToxicityScorer
from modkit.train.persist import load_model

from .conftest import SEEDS, SHARED, needs_shared

HOSTILE_PARENT = "Shut up you stupid moron, nobody wants your garbage edits here"
PLAIN_REPLY = "you are right about that"
EDGE_TEXTS = {
    "empty": "",
    "whitespace": " \n\t ",
    "missing": None,
    "nan": float("nan"),
    "huge": "word " * 20_000,  # 100,000 characters
    "huge_one_char": "x" * 100_000,
    "emoji": "🙂🖕🔥💩",
    "control": "a\x00b\x07c\x1b[31m\u200b\ufeff",
    "arabic": "هذا تعليق عادي جدا",
    "chinese": "这是一个普通的评论",
    "german": "Das ist ein ganz normaler Kommentar",
    "number": 12345,
}


@pytest.fixture(scope="module")
def scorer() -> LiteToxicityScorer:
    return LiteToxicityScorer()


def test_lite_is_registered_as_a_toxicity_scorer():
    cls = scorers.get("lite")
    assert cls is LiteToxicityScorer
    assert cls.kind == "toxicity"


def test_the_scorer_clones_with_its_parameters():
    s = LiteToxicityScorer(use_parent=False)
    assert clone(s).get_params() == {"path": None, "use_parent": False}


def test_attributes_are_detoxify_names_it_can_support(scorer):
    assert scorer.attributes == ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
    assert set(scorer.attributes) <= set(TOXICITY_ATTRIBUTES)


def test_scores_are_floats_in_the_unit_interval_aligned_on_the_input_index(scorer):
    df = pd.DataFrame({"text": ["thanks for the fix", "you idiot", "ok"]}, index=["b", 7, "z"])
    out = scorer.predict_proba(df)
    assert list(out.index) == ["b", 7, "z"]
    assert list(out.columns) == list(scorer.attributes)
    assert all(out[c].dtype == np.float64 for c in out.columns)
    assert ((out >= 0) & (out <= 1)).all().all()


def test_an_empty_table_gives_an_empty_frame_with_the_attribute_columns(scorer):
    out = scorer.predict_proba(pd.DataFrame({"text": []}))
    assert out.shape == (0, 6) and list(out.columns) == list(scorer.attributes)


@pytest.mark.parametrize("kind", list(EDGE_TEXTS))
def test_edge_case_texts_get_a_valid_score(scorer, kind):
    out = scorer.predict_proba(pd.DataFrame({"text": [EDGE_TEXTS[kind]], "parent_text": [EDGE_TEXTS[kind]]}))
    values = out.iloc[0].tolist()
    assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values)


@pytest.mark.parametrize("kind", ["empty", "whitespace", "missing", "nan"])
def test_empty_replies_score_zero_even_under_a_hostile_parent(scorer, kind):
    df = pd.DataFrame({"text": [EDGE_TEXTS[kind]], "parent_text": [HOSTILE_PARENT]})
    assert scorer.predict_proba(df).iloc[0].tolist() == [0.0] * len(scorer.attributes)


def test_a_reply_to_a_hostile_parent_scores_higher_in_context(scorer):
    with_parent = scorer.score_text(PLAIN_REPLY, HOSTILE_PARENT)["toxicity"]
    alone = scorer.score_text(PLAIN_REPLY)["toxicity"]
    assert with_parent > alone


def test_context_off_scores_the_reply_alone(scorer):
    df = pd.DataFrame({"text": [PLAIN_REPLY], "parent_text": [HOSTILE_PARENT]})
    off = LiteToxicityScorer(use_parent=False).predict_proba(df)
    alone = scorer.predict_proba(pd.DataFrame({"text": [PLAIN_REPLY]}))
    emptied = scorer.predict_proba(with_context(df, context=False))
    assert off.equals(alone) and emptied.equals(alone)


def test_a_row_scores_the_same_alone_and_in_a_batch(scorer, monkeypatch):
    texts = ["you idiot", "nice work", "", "you idiot", "what a stupid edit"]
    parents = [None, HOSTILE_PARENT, None, HOSTILE_PARENT, "thanks!"]
    monkeypatch.setattr(lite, "CHUNK_ROWS", 2)  # exercise the chunking too
    batch = scorer.predict_proba(pd.DataFrame({"text": texts, "parent_text": parents}))
    for i, (t, p) in enumerate(zip(texts, parents, strict=True)):
        single = scorer.score_text(t, p)
        # tox-block's LSTM runs in float32, whose BLAS kernels round differently for other batch shapes.
        assert single == pytest.approx(batch.iloc[i].to_dict(), abs=1e-6)


def test_the_model_file_loads_through_the_trust_list_with_its_metadata():
    model, meta = load_model(DEFAULT_MODEL)
    assert isinstance(model, LiteToxicityModel)
    assert meta["name"] == "lite" and meta["kind"] == "toxicity"
    assert meta["attributes"] == list(model.attributes)
    assert all(0.0 < meta["thresholds"][a] < 1.0 for a in model.heads)
    assert any("alt-profanity-check" in text and "MIT" in text for text in meta["sources"])
    # each attribute was trained by modkit.train's code, with the lite family
    assert [m["target"] for m in meta["models"]] == list(model.heads)
    assert all(m["model"] == "lite" and m["cv_metrics"]["roc_auc"] > 0.75 for m in meta["models"])
    assert meta["recipe"] == "python -m modkit.train.recipes.lite_toxicity"
    assert DEFAULT_MODEL.with_suffix(".md").read_text().count("## Model card") == 2
    assert DEFAULT_MODEL.stat().st_size < 4_000_000


def test_recommended_thresholds_come_from_the_model_file(scorer):
    stored = load_model(DEFAULT_MODEL)[1]["thresholds"]
    expected = {a: lite.KIND_THRESHOLD for a in scorer.attributes} | {"toxicity": stored["toxicity"]}
    assert scorer.recommended_thresholds() == expected
    assert scorer.version.startswith(f"lite-{load_model(DEFAULT_MODEL)[1]['version']}+tb-")


def test_the_abusive_seed_reply_scores_above_a_calm_one(scorer):
    import modkit

    df = with_context(modkit.parse(sorted(SEEDS.glob("001_*.txt"))[0]))
    abusive = df[df["text"].str.contains("The only kid is the one I put in your mums belly")]
    calm = df[df["text"].str.startswith("Actually not upset with Iran for this move")]
    assert len(abusive) == 1 and len(calm) == 1
    for use_parent in (True, False):
        s = LiteToxicityScorer(use_parent=use_parent)
        assert s.predict_proba(abusive)["toxicity"].iloc[0] > s.predict_proba(calm)["toxicity"].iloc[0]


def test_numpy_normalisation_matches_the_reference_normalise():
    rng = np.random.default_rng(0)
    alphabet = list("aab  c!!.\n\t\x00\x07\u200b\ufeffAÉİß🙂🖕_-") + ["\ud800"]
    texts = ["".join(rng.choice(alphabet, size=rng.integers(0, 30))) for _ in range(2000)] + ["", " ", "x" * 500]
    reference = [normalise(t) for t in texts]
    codes = np.frombuffer("".join(reference).encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(texts)), [len(t) for t in reference])
    expected = _hash_ngrams(codes, doc, len(texts), (2, 5), 14)
    assert abs(TextBatch(texts).char_ngrams((2, 5), 14) - expected).max() == 0


def test_scores_do_not_depend_on_how_texts_are_chunked(monkeypatch):
    texts = ["short", "", "a somewhat longer text, you idiot!", "🙂 emoji", "x" * 50] * 3
    model = load_model(DEFAULT_MODEL)[0]
    whole = model.text_signals(texts)
    monkeypatch.setattr(lite_model, "CHUNK_CHARS", 8)
    pieces = model.text_signals(texts)
    assert all(np.allclose(whole[k], pieces[k], atol=1e-12) for k in whole)


def test_the_converted_svm_reproduces_alt_profanity_check():
    apc = pytest.importorskip("profanity_check")
    svm = load_model(DEFAULT_MODEL)[0].svm
    texts = ["you are a complete idiot", "thanks for the citation", "", "🙂", "fuck off"]
    assert np.allclose(svm.proba(svm.tfidf(texts)), apc.predict_prob(texts), atol=1e-9)


@needs_shared
@pytest.mark.shared
def test_the_recipe_trains_through_modkit_train_and_beats_alt_profanity_check_on_held_out_pages():
    """The recipe's own ``train`` call, on a tenth of the tweets and 2 folds, ranks held-out
    Wikipedia replies better than alt-profanity-check on the same folds.

    The full recipe measures ROC AUC 0.88 against 0.84; the bound is modest.
    """
    from modkit.train.recipes import lite_toxicity as recipe

    wiki, tweets = recipe.load_wiki(SHARED / "toxicity"), recipe.load_tweets(SHARED / "toxicity", 0.1)
    tweets = tweets.rename(columns={"toxic": "label"})[["text", "label"]]
    trained, report = recipe.train_toxicity(wiki, tweets, folds=2, n_boot=0, compare=("apc",))
    ours, theirs = (report.scorers[n]["roc_auc"]["value"] for n in ("lite", "apc"))
    assert ours >= 0.8
    assert ours > theirs
    assert trained.meta["model"] == "lite" and trained.meta["auxiliary_rows"] == len(tweets)


def test_a_model_file_with_the_old_feature_names_still_loads_and_scores():
    """modkit 0.1's recipe named the toxicity head's features without their target."""
    import copy

    model = load_model(DEFAULT_MODEL)[0]
    names, coef, b = model.heads["toxicity"]
    old = {"reply_own_toxicity": "reply_own", "parent_own_toxicity": "parent_own",
           "parent_toxicity_x_reply_you": "parent_toxic_x_reply_you",
           "parent_toxicity_x_reply_toxicity": "parent_toxic_x_reply_toxic"}
    state = model.__getstate__() | {"heads": {**model.heads, "toxicity": (tuple(old.get(n, n) for n in names),
                                                                          coef, b)}}
    legacy = copy.copy(model)
    legacy.__setstate__(state)
    texts, parents = ["shut up you moron", "thanks"], [HOSTILE_PARENT, None]
    assert np.allclose(legacy.predict(texts, parents)["toxicity"], model.predict(texts, parents)["toxicity"])
