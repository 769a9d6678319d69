"""Conspiracy framing: the cue detector, quote masking, the classifier and the scorer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import matthews_corrcoef

from modkit.registry import scorers
from modkit.score import cues
from modkit.score.conspiracy_model import ConspiracyModel
from modkit.score.cues import CUE_KINDS, find_cues
from modkit.score.fast_tfidf import CachedCharTfidf
from modkit.score.quoting import mask_parent_quotes, quoted_spans
from modkit.score.scorers.conspiracy import DEFAULT_MODEL, ConspiracyScorer
from modkit.train.metrics import max_mcc_threshold
from modkit.train.persist import load_model

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
PAN = SHARED / "conspiracy" / "pan2024_en" / "dev.json"

# (framing, kind it must show) beside criticism of the same subject that must show no cue.
FRAMING_VS_CRITICISM = [
    ("The attack was pre arranged by Maliki.", "staged_event", "Maliki mishandled the response to the attack."),
    ("The whole thing is planned by Iran in order to invade Iraq.", "staged_event",
     "Iran plans to send troops to Iraq."),
    ("I think you forgot who created Al Qaeda.", "hidden_agent", "Al Qaeda was founded in 1988."),
    ("Whenever they need a pretext these groups magically appear.", "staged_event",
     "These groups appear in every report on the war."),
    ("The militia was secretly funded by the CIA.", "secret_plot", "The militia was funded by the CIA."),
    ("The Rothschilds own all the banks.", "antisemitic_trope", "The banks own too much of the housing market."),
    ("This is the great replacement, and they call it policy.", "replacement_trope",
     "Immigration policy needs reform."),
    ("It was a false flag.", "staged_event", "It was a terrible attack."),
    ("The government staged it to control us.", "staged_event", "The government handled it badly."),
    ("The moon landings were faked.", "staged_event", "The moon landings were expensive."),
    ("They put microchips in the vaccines.", "malicious_intent", "They put the vaccines in the fridge."),
    ("The mainstream media is covering it up.", "secret_plot", "The mainstream media is covering it all day."),
    ("Climate change is a hoax invented to tax us.", "staged_event", "Climate change is a hard problem."),
    ("Wake up sheeple!", "awakening_call", "This should be a wake-up call for the government."),
    ("They don't want you to know what is in it.", "self_sealing", "The government is lying about the vaccine numbers."),
    ("The deep state runs this country.", "hidden_agent", "The media is biased."),
    ("The journalists are all paid shills.", "accomplices", "The journalists got the story wrong."),
    ("Their depopulation agenda is obvious.", "malicious_intent", "Their economic agenda is obvious."),
]


def kinds(text: str) -> set[str]:
    return {c.kind for c in find_cues(text)}


# --- cues ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("framing", "kind", "criticism"), FRAMING_VS_CRITICISM)
def test_framing_shows_its_cue_kind_and_criticism_shows_none(framing, kind, criticism):
    assert kind in kinds(framing)
    assert find_cues(criticism) == []


@pytest.mark.parametrize("text", [
    "The attack was pre arranged by Maliki. Nobody believes the official account.",
    "WAKE UP people, the cabal is behind it all",
    "İİİ the plandemic was planned by the elites",  # a letter whose lower case is longer
])
def test_cue_spans_are_character_offsets_into_the_text(text):
    found = find_cues(text)
    assert found
    for c in found:
        assert text[c.start:c.end] == c.text
        assert c.kind in CUE_KINDS
    assert [c.start for c in found] == sorted(c.start for c in found)


def test_a_named_sponsor_after_planned_by_is_capitalised_and_runs_to_the_end_of_the_name():
    text = "the whole attack was planned by Nouri Maliki himself"
    assert [c.text for c in find_cues(text) if c.kind == "hidden_agent"] == ["planned by Nouri Maliki"]
    assert "hidden_agent" not in {c.kind for c in find_cues("the whole attack was planned by some guy")}


@pytest.mark.parametrize("text", ["The new article has been created by Floggolozzo (thanks).",
                                  "The wedding was planned by Sarah and her mum.",
                                  "That account was set up by Dave years ago."])
def test_a_named_sponsor_alone_is_everyday_talk(text):
    """Any capitalised name after "created by" counts only in a sentence that already frames a plot."""
    assert find_cues(text) == []
    assert [c.kind for c in find_cues("Groups created by the CIA run the protests.")] == ["hidden_agent"]


@pytest.mark.parametrize("text", [
    "It was not a false flag.",
    "The attack was not planned by Iran.",
    "The claims that the attack was staged are baseless.",
    "Militants staged an attack on the base.",
    "ISIL staged a parade of American Humvees.",
    "Iranian officials also privately expressed concern.",
    "In order to invade, Russia massed troops.",  # a motive with no plot is not a cue
])
def test_negated_dismissed_or_ordinary_uses_are_not_cues(text):
    assert find_cues(text) == []


def test_a_weak_motive_counts_beside_a_plot_in_the_same_sentence():
    assert "malicious_intent" in kinds("The whole thing is planned by Iran in order to invade Iraq.")
    assert "malicious_intent" not in kinds("The whole thing is planned. Iran massed troops in order to invade.")


@pytest.mark.parametrize("text", ["", " \n\t", "😀🔥👍", "\x00\x07\x1b[31m", "Это был ложный флаг", "x" * 100_000,
                                  "false flag " * 10_000, None, 42])
def test_odd_inputs_never_crash_the_cue_detector(text):
    found = find_cues(text)
    assert isinstance(found, list)
    assert all(c.end <= cues.MAX_SCAN_CHARS for c in found)


def test_every_regex_match_contains_a_word_of_its_patterns_gate():
    """The word gate skips a pattern only when it could not match: checked on every sentence here."""
    texts = [t for t, _, _ in FRAMING_VS_CRITICISM] + [
        "the new world order and the global elites", "they are all in on it", "who benefits from this war?",
        "the media won't tell you", "being overrun by illegals", "importing new voters", "trust the plan",
        "the (((bankers))) again", "it's no coincidence", "they want us dead", "plans to take over the world",
    ]
    if PAN.is_file():
        texts += [r["text"] for r in json.loads(PAN.read_text())]
    for text in texts:
        low = text.lower()
        for pat in cues.PATTERNS:
            for m in pat.regex.finditer(text if pat.original_case else low):
                assert pat.may_match(set(re.findall(r"\w+", m.group().lower()))), (pat.kind, m.group())


# --- quoting ------------------------------------------------------------------------------------
def test_words_copied_from_the_parent_are_blanked_keeping_offsets():
    parent = "ISIL attack is pre arranged by Maliki"
    reply = "'ISIL attack is pre arranged by Maliki'? Nonsense, they took Mosul by force."
    masked = mask_parent_quotes(reply, parent)
    assert len(masked) == len(reply)
    assert "Maliki" not in masked and masked.endswith("Nonsense, they took Mosul by force.")
    assert quoted_spans("short overlap by Maliki", parent) == []  # under five words: not a quote


# --- fast TF-IDF ----------------------------------------------------------------------------------
def test_cached_char_tfidf_equals_sklearns_transform():
    train = ["the deep state planned it", "a plan to fix the roads", "Wake up! 😀", "Ünïcödé wörds here"]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1).fit(train)
    fast = CachedCharTfidf(vec, max_tokens=5)  # a tiny cache also exercises the reset
    docs = train + ["", "unseen tokens only", "the   deep\tstate\nagain", "x" * 500]
    for _ in range(2):
        assert abs(fast.transform(docs) - vec.transform(docs)).max() < 1e-12


# --- classifier ---------------------------------------------------------------------------------
def test_the_mcc_threshold_is_the_best_cut_among_all_cuts():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(y * 0.3 + rng.random(200) * 0.7, 0, 1)
    t = max_mcc_threshold(y, p)
    best = max(matthews_corrcoef(y, p >= c) for c in np.unique(p))
    assert matthews_corrcoef(y, p >= t) == pytest.approx(best)


@pytest.fixture(scope="module")
def scorer() -> ConspiracyScorer:
    return ConspiracyScorer()


def test_the_model_file_loads_through_the_trust_list_with_its_metadata():
    model, meta = load_model(DEFAULT_MODEL)
    assert isinstance(model, ConspiracyModel)
    assert meta["kind"] == "conspiracy" and meta["target"] == "conspiracy"
    assert 0 < meta["threshold"] < 1 and meta["version"]
    # trained by modkit.train's code with the conspiracy family (see the recipe)
    # PAN 2024 train (4,000) + dev (499) measured; COVID comments and ordinary replies auxiliary
    assert meta["n"] == 4499 and meta["model"] == "conspiracy" and meta["threshold_rule"] == "mcc"
    assert meta["auxiliary_rows"] > 40_000 and meta["ordinary_flag_rate"] <= 0.01
    assert meta["recipe"] == "python -m modkit.train.recipes.conspiracy"
    assert "## Metrics" in DEFAULT_MODEL.with_suffix(".md").read_text()
    assert DEFAULT_MODEL.stat().st_size < 5_000_000


def test_the_scorer_is_registered_and_behaves_like_an_estimator(scorer):
    assert scorers.get("conspiracy") is ConspiracyScorer
    assert scorer.kind == "conspiracy" and scorer.attributes == ("conspiracy",)
    assert clone(ConspiracyScorer(use_parent=False)).get_params() == {"model_path": None, "use_parent": False}
    assert scorer.version.startswith("conspiracy-") and scorer.version.endswith(load_model(DEFAULT_MODEL)[1]["version"])
    assert 0 < scorer.recommended_thresholds()["conspiracy"] < 1


def test_a_seed_claim_scores_above_a_seed_opinion(scorer):
    claim = scorer.score_text("ISIL attack is pre arranged by Maliki")["conspiracy"]
    opinion = scorer.score_text("Actually not upset with Iran for this move. Not comparable to Syria however.")
    assert claim > 10 * opinion["conspiracy"]
    plot = scorer.score_text("The whole thing is planned by Iran in order to officially invade Iraq. The Army of "
                             "Maliki simply welcomed ISIL")["conspiracy"]
    assert plot >= scorer.recommended_thresholds()["conspiracy"]


def test_scores_are_in_unit_range_and_aligned_with_the_input_index(scorer):
    odd = ["", "   ", "😀🔥", "\x00\x07\x1b", "Это был ложный флаг", "x" * 100_000, "wake up " * 20_000,
           "The whole thing is planned by Iran in order to invade Iraq.", None, float("nan")]
    frame = pd.DataFrame({"text": odd}, index=[f"c{i}" for i in range(len(odd))][::-1])
    out = scorer.predict_proba(frame)
    assert list(out.columns) == ["conspiracy"] and out.index.equals(frame.index)
    assert out["conspiracy"].between(0, 1).all() and out["conspiracy"].dtype == float
    assert (out["conspiracy"].iloc[[0, 1, 2, 3, 8, 9]] == 0.0).all()  # nothing to read: exactly 0
    assert scorer.predict_proba(frame.iloc[:0]).shape == (0, 1)


def test_evidence_lists_cue_dicts_with_offsets_into_each_rows_text(scorer):
    frame = pd.DataFrame({"text": ["It was a false flag, wake up!", "Nice weather", ""]}, index=[7, 3, 5])
    ev = scorer.evidence(frame)
    assert ev.index.equals(frame.index)
    assert {c["kind"] for c in ev[7]} == {"staged_event", "awakening_call"}
    assert all(frame.text[7][c["start"]:c["end"]] == c["text"] for c in ev[7])
    assert ev[3] == [] and ev[5] == []


def test_a_reply_quoting_the_parents_claim_to_dispute_it_scores_below_the_claim(scorer):
    claim = "The whole thing is planned by Iran in order to officially invade Iraq."
    reply = f'"{claim}" Rubbish, Iran was caught by surprise like everyone else.'
    frame = pd.DataFrame({"text": [claim, reply], "parent_text": [None, claim]})
    scores = scorer.predict_proba(frame)["conspiracy"]
    assert scores.iloc[1] < scores.iloc[0]
    assert scorer.evidence(frame).iloc[1] == []
    unmasked = ConspiracyScorer(use_parent=False).predict_proba(frame)["conspiracy"]
    assert unmasked.iloc[1] > scores.iloc[1]


@pytest.mark.shared
@pytest.mark.skipif(not PAN.is_file(), reason="../shared/datasets/conspiracy/pan2024_en not present")
def test_the_recipe_trains_through_modkit_train_and_beats_the_tfidf_family_on_pan():
    from modkit.train.recipes.conspiracy import fit, load_pan

    trained, report = fit(load_pan(PAN), folds=3, n_boot=0)
    ours, plain = report.scorers["conspiracy"], report.scorers["tfidf"]
    # The full recipe (5 folds) measures MCC 0.70 and ROC AUC 0.93; 0.6 leaves room for fold noise.
    assert ours["mcc"]["value"] > 0.6 and ours["roc_auc"]["value"] > 0.88
    assert ours["roc_auc"]["value"] > plain["roc_auc"]["value"]
    assert trained.meta["model"] == "conspiracy" and trained.meta["threshold_rule"] == "mcc"


@pytest.mark.parametrize("text", [
    "Some say the landing was faked, but the evidence is overwhelming.",
    "Conspiracy theorists claim the attack was staged, however the investigation found otherwise.",
    "The claim that the vaccines contain microchips has been thoroughly debunked.",
])
def test_reporting_or_debunking_a_claim_is_not_making_it(text):
    assert find_cues(text) == []


@pytest.mark.parametrize("claim", ["The moon landing was faked in a studio.", "Pearl Harbor was an inside job",
                                   "the government staged the whole thing"])
def test_a_plain_claim_about_an_unseen_topic_scores_at_least_the_measured_claim_floor(scorer, claim):
    model = load_model(DEFAULT_MODEL)[0]
    positives, rows = model.claim_counts_
    assert rows >= 10 and model.claim_floor_ < positives / rows  # the Wilson interval's lower end
    assert scorer.score_text(claim)["conspiracy"] >= model.claim_floor_
    assert model.claim_floor_ >= scorer.recommended_thresholds()["conspiracy"]


@pytest.mark.parametrize("text", ["I removed the hoax tag.", "See the Mediation Cabal page.",
                                  "The landing was not faked.", "Some say the landing was faked, but that is absurd."])
def test_loaded_words_and_negated_or_reported_claims_are_no_claims(text):
    assert cues.find_claims(text) == []


def test_the_claim_floor_is_learned_from_the_training_rows_and_needs_enough_of_them():
    docs = ["the attack was staged", "the election was faked", "the weather was lovely", "thanks for the edit"] * 5
    y = [1, 1, 0, 0] * 5
    model = ConspiracyModel(stack_folds=2).fit(docs, y)
    assert model.claim_counts_ == (10, 10) and model.claim_floor_ == pytest.approx(0.7225, abs=1e-3)
    assert ConspiracyModel(stack_folds=2).fit(docs[:8], y[:8]).claim_floor_ is None  # 4 claims: too few
    assert ConspiracyModel(stack_folds=2, use_cues=False).fit(docs, y).claim_floor_ is None
