"""What the default scorers say, read as a moderator would: flags follow the guidelines, languages are respected.

The examples are the ones a new user reported on real comment sections (issue 11): swearing aimed at
nobody and supportive replies with swear words must not be flagged; directed insults and threats must be.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import modkit
from modkit.model import ATTACK_ATTRIBUTES, FLAG_REASONS, FLAGGED, LANG, UNSUPPORTED_LANGUAGE
from modkit.score.base import Scorer
from modkit.score.language import UNDETERMINED, detect_languages
from modkit.score.policy import flag_reasons
from modkit.score.toxblock import CLASSES, load_toxblock

from .conftest import SHARED, needs_shared

NOT_TOXIC = [
    "he lost his shit when i tried to take him outside",
    "God fucking damnit. With that amount of knowledge and detail, I hope you end when you are comfortable ... "
    "Any country would be fortunate to have someone like you",
    "Fucking sick !",
    "Those comments are so fucking dumb.",
    "Hi, I have made this frosting and it is in the fridge now ... Do we mix it using spoon or mixer?",
    "Yes it is fantastic, our favourite bread!",
    "I would never hurt you, I promise.",
    "you are dead wrong about the hydrangeas",
    "I'm going to beat you at chess tonight",
    "How to Skateboard and Not Kill Yourself is a great read.",
]
TOXIC = {
    "you are a stupid idiot and a worthless moron": "insult",
    "shut up, moron": "insult",
    "I'm going to kill you": "threat",
    "Keep posting. I know where you live.": "threat",
    "I'll punch you in the face": "threat",
    "You'd better watch your back": "threat",
}


@pytest.fixture(scope="module")
def scored() -> pd.DataFrame:
    texts = NOT_TOXIC + list(TOXIC)
    return modkit.score(pd.DataFrame({"text": texts}), conspiracy=None)


@pytest.mark.parametrize("text", NOT_TOXIC)
def test_swearing_at_nobody_and_ordinary_replies_are_not_flagged(scored, text):
    row = scored[scored["text"] == text].iloc[0]
    assert not row[FLAGGED], row[FLAG_REASONS]


@pytest.mark.parametrize("text", list(TOXIC))
def test_directed_insults_and_threats_are_flagged_with_the_attribute_that_fired(scored, text):
    row = scored[scored["text"] == text].iloc[0]
    assert row[FLAGGED] and row[FLAG_REASONS][0] == TOXIC[text]


def test_obscene_and_toxicity_alone_never_flag():
    scores = pd.DataFrame({"toxicity": [1.0], "obscene": [1.0], "insult": [0.0], "threat": [0.0]})
    assert flag_reasons(scores, ["whatever"], dict.fromkeys(scores.columns, 0.5)) == [[]]


def test_an_insult_needs_a_target_unless_it_outweighs_the_swearing():
    scores = pd.DataFrame({"obscene": [0.9, 0.9, 0.5], "insult": [0.8, 0.8, 0.8]})
    limits = {"obscene": 0.5, "insult": 0.5}
    assert flag_reasons(scores, ["damn sick", "@ana damn sick", "what a moron"], limits) == [[], ["insult"], ["insult"]]


class _SwearScorer(Scorer):
    """Reads "damn" as swearing that is half insult: insult 0.8, obscene 0.9."""

    name = "swear"
    attributes = ("insult", "obscene")

    def predict_proba(self, df: pd.DataFrame) -> pd.DataFrame:
        hit = np.array(["damn" in t.lower() for t in df["text"]], dtype=float)
        return pd.DataFrame({"insult": 0.8 * hit, "obscene": 0.9 * hit}, index=df.index)


def test_an_address_counts_only_in_the_sentence_that_swears():
    texts = ["Damn. I hope you win, you deserve it.", "Damn you. Nice work.", "damn you", "Damn. Damn it all."]
    parents = [None, "Well done everyone.", None, "hi"]  # some replies with a parent, some without
    out = modkit.score(pd.DataFrame({"text": texts, "parent_text": parents}), toxicity=_SwearScorer(),
                       conspiracy=None, thresholds={"insult": 0.5, "obscene": 0.5})
    assert out[FLAG_REASONS].tolist() == [[], ["insult"], ["insult"], []]


def test_a_scorer_without_attack_attributes_flags_on_toxicity():
    scores = pd.DataFrame({"toxicity": [0.9, 0.1]})
    assert flag_reasons(scores, ["a", "b"], {"toxicity": 0.5}) == [["toxicity"], []]


def test_unscored_attributes_never_flag():
    scores = pd.DataFrame({"threat": [math.nan]})
    assert flag_reasons(scores, ["x"], {"threat": 0.5}) == [[]]


def test_the_default_scorer_reports_every_attack_attribute_it_can(scored):
    assert {"severe_toxicity", "threat", "insult", "identity_attack", "obscene", "toxicity"} <= set(scored.columns)
    assert "sexual_explicit" not in scored.columns  # no model here learned it
    assert set(ATTACK_ATTRIBUTES) - {"sexual_explicit"} <= set(scored.columns)


GERMAN = ["Vielen Dank für den interessanten Artikel, das hat mir sehr geholfen!",
          "Ich habe das Produkt auch schon ausprobiert und bin sehr zufrieden damit.",
          "Danke!"]
RUSSIAN = ["Это очень интересная статья, спасибо автору за подробный разбор."]
ENGLISH = ["Thanks, I made this bread twice this week and it came out great.", "+1", "lol"]


@pytest.fixture(scope="module")
def mixed() -> pd.DataFrame:
    threads = ["de"] * len(GERMAN) + ["ru"] * len(RUSSIAN) + ["en"] * len(ENGLISH)
    return modkit.score(pd.DataFrame({"text": GERMAN + RUSSIAN + ENGLISH, "thread_id": threads}))


def test_replies_in_other_languages_are_unscored_and_say_so(mixed):
    foreign = mixed[mixed["thread_id"].isin(["de", "ru"])]
    assert foreign[LANG].tolist() == ["de", "de", "de", "ru"]  # "Danke!" takes its thread's language
    assert foreign[["toxicity", "insult", "conspiracy"]].isna().all().all()
    assert all(r == [UNSUPPORTED_LANGUAGE] for r in foreign[FLAG_REASONS])
    assert not foreign[FLAGGED].any()


def test_short_english_replies_are_not_thrown_out_by_a_wrong_guess(mixed):
    english = mixed[mixed["thread_id"] == "en"]
    assert english[LANG].tolist() == ["en", "en", "en"]
    assert english[["toxicity", "conspiracy"]].notna().all().all()


@pytest.mark.parametrize("text", [
    "Das ist doch nicht wahr, die Regierung hat das so entschieden und wir müssen damit leben.",
    "Ik denk dat het niet waar is, maar we zullen zien wat er gebeurt met de plannen.",
    "Je pense que ce n'est pas vrai, mais on verra bien ce que le conseil va faire.",
    "Creo que no es verdad, pero vamos a ver lo que hace el gobierno con el plan.",
    "Jeg tror ikke det er sant, men vi får se hva de gjør for byen.",
    "Myslim, ze to neni pravda, ale uvidime, co s tim vlada udela.",
])
def test_the_english_shortcut_leaves_other_languages_to_the_identifier(text):
    from modkit.score.language import guess, plainly_english

    assert not plainly_english(text)
    assert guess(text)[0] != "en"


def test_the_english_shortcut_agrees_with_the_identifier_on_english():
    from modkit.score.language import _identifier, plainly_english

    texts = ["I think that you are wrong about this, and the numbers show it.",
             "Thanks for the recipe! Would it work with gluten-free flour, and should I bake it longer?",
             "They said the road would be closed but it wasn't, which was great news for us."]
    assert all(plainly_english(t) for t in texts)
    assert [_identifier().classify(t)[0] for t in texts] == ["en"] * 3


def test_a_reply_without_a_thread_or_confident_guess_is_undetermined_and_scored():
    assert detect_languages(["+1", "😂😂"]) == [UNDETERMINED, UNDETERMINED]
    out = modkit.score(pd.DataFrame({"text": ["+1"]}), conspiracy=None)
    assert out[LANG].tolist() == [UNDETERMINED] and not math.isnan(out["toxicity"][0])


def test_a_given_lang_column_is_respected():
    out = modkit.score(pd.DataFrame({"text": ["you are an idiot"], "lang": ["fr"]}), conspiracy=None)
    assert math.isnan(out["insult"][0]) and out[FLAG_REASONS][0] == [UNSUPPORTED_LANGUAGE]


def test_the_toxblock_port_reproduces_the_keras_outputs_recorded_by_its_recipe():
    ref = json.loads((Path(__file__).parent / "reference" / "toxblock_keras_reference.json").read_text(encoding="utf-8"))
    ours = load_toxblock().predict(ref["texts"])
    assert ours.shape == (len(ref["texts"]), len(CLASSES))
    np.testing.assert_allclose(ours, np.array(ref["outputs"]), atol=1e-5)


def test_the_toxblock_tokenizer_splits_like_keras():
    model = load_toxblock()
    # Keras splits on single spaces only: a no-break space joins two words into one unknown word.
    assert model.tokens("idiot\u00a0moron") == []
    assert model.tokens("IDIOT, moron!") == model.tokens("idiot moron")
    assert len(model.tokens("the " * 500)) == model.max_len


def test_reports_count_unscored_replies_in_their_coverage(mixed, tmp_path):
    from modkit.report import thread_reports

    table = mixed.assign(comment_id=[f"c{i}" for i in range(len(mixed))], parent_id=None)
    reports = {r.thread_id: r for r in thread_reports(table)}
    assert any("3 replies not scored" in w for w in reports["de"].metrics.coverage.warnings)
    assert not any("not scored: written" in w for w in reports["en"].metrics.coverage.warnings)


def test_the_cli_summary_counts_replies_left_unscored(mixed):
    from modkit.console import language_summary

    assert language_summary(mixed).startswith("4 replies not scored") and "de 3, ru 1" in language_summary(mixed)


@pytest.mark.parametrize("disguised", [
    "you are a stupid id\u200biot and a worth\u00adless moron",   # zero-width space, soft hyphen
    "you are a stupid ｉｄｉｏｔ and a worthless ｍｏｒｏｎ",        # fullwidth letters
    "you are a stup\u0456d \u0456d\u0456ot and a worthless m\u043er\u043en",  # Cyrillic look-alikes
    "you are a stupid i d i o t and a worthless m o r o n",      # spaced letters
    "you are a stup1d 1d10t and a w0rthless m0r0n",              # leetspeak
])
def test_disguised_insults_score_like_the_plain_one_and_the_original_text_is_kept(disguised):
    plain = "you are a stupid idiot and a worthless moron"
    out = modkit.score(pd.DataFrame({"text": [plain, disguised]}), conspiracy=None)
    assert out["insult"][1] == pytest.approx(out["insult"][0], abs=0.05)
    assert out[FLAGGED][1] and out["text"][1] == disguised


def test_text_in_another_script_is_not_turned_into_latin_letters():
    from modkit.score.normalize import normalize_text

    assert normalize_text("Это очень интересная статья") == "Это очень интересная статья"


def test_a_threat_idiom_raises_threat_to_the_measured_floor_and_no_further():
    from modkit.score.attack_cues import floor_scores, load_floors

    low = load_floors()["threat"]["low"]
    scores = pd.DataFrame({"threat": [0.01, 0.99, 0.01]})
    out = floor_scores(scores, ["I will hunt you down", "I will hunt you down", "I will hunt them down"])
    assert out["threat"].tolist() == [low, 0.99, 0.01]
    assert low >= 0.5  # measured: 15 of 16 labelled replies with a threat idiom are toxic


@needs_shared
@pytest.mark.shared
def test_the_shipped_threat_floors_are_what_the_recipe_measures():
    from modkit.score.attack_cues import DEFAULT_PATH
    from modkit.train.recipes import attack_cues, lite_toxicity

    measured = attack_cues.measure(lite_toxicity.load_sources(SHARED / "toxicity"))
    assert measured == json.loads(DEFAULT_PATH.read_text())["attributes"]
