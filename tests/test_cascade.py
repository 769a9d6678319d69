"""The cascade: fast scores everywhere, the slow scorer's inside the band; caching; defaults without the encoder."""

from __future__ import annotations

import pandas as pd
import pytest

from modkit.errors import ConfigError
from modkit.score import resolve_scorer, score
from modkit.score.base import Scorer
from modkit.score.cache import ScoreCache
from modkit.score.cascade import CascadeScorer, encoder_status, parse_band


class Lengthy(Scorer):
    """Fast stand-in: toxicity = length / 10 (so the band picks rows by length)."""

    name = "lengthy"
    attributes = ("toxicity", "insult")

    def predict_proba(self, df):
        n = pd.Series([min(1.0, len(t) / 10) for t in df["text"]], index=df.index)
        return pd.DataFrame({"toxicity": n, "insult": n / 2}, index=df.index)


class Counting(Scorer):
    """Slow stand-in: insult 0.9 when the text says "you", counting the rows it reads."""

    name = "counting"
    attributes = ("toxicity", "insult", "extra")

    def __init__(self):
        self.seen: list[str] = []

    def predict_proba(self, df):
        self.seen.extend(df["text"])
        you = pd.Series([0.9 if "you" in t else 0.01 for t in df["text"]], index=df.index)
        return pd.DataFrame({"toxicity": you, "insult": you, "extra": 1.0}, index=df.index)


TEXTS = ["ok", "you are", "hello you there", "a longer thing, you know"]


def test_only_band_rows_are_rescored_and_replaced():
    slow = Counting()
    c = CascadeScorer(Lengthy(), slow, band=(0.3, 0.95), combine="replace")
    out = c.predict_proba(pd.DataFrame({"text": TEXTS}))
    assert slow.seen == ["you are"]  # lengths 2, 7, 15+, 24: only 0.7 lies in the band
    assert out.loc[1, "insult"] == 0.9 and out.loc[1, "toxicity"] == 0.9
    assert out.loc[0, "toxicity"] == pytest.approx(0.2)  # fast kept outside the band
    assert list(out.columns) == ["toxicity", "insult"]  # the slow scorer's extra output is not added


def test_band_covers_everything_or_nothing():
    slow = Counting()
    everything = CascadeScorer(Lengthy(), slow, band=(0.0, 1.0), combine="replace").predict_proba(
        pd.DataFrame({"text": TEXTS}))
    assert slow.seen == TEXTS
    assert everything["insult"].tolist() == [0.01, 0.9, 0.9, 0.9]
    slow = Counting()
    CascadeScorer(Lengthy(), slow, band=(0.99, 0.99)).predict_proba(pd.DataFrame({"text": TEXTS[:2]}))
    assert slow.seen == []


def test_score_stage_caches_each_part_under_its_own_version(tmp_path):
    cache = ScoreCache(tmp_path / "c.sqlite")
    slow = Counting()
    c = CascadeScorer(Lengthy(), slow, band=(0.3, 0.95), combine="replace")
    frame = pd.DataFrame({"text": TEXTS})
    first = score(frame, toxicity=c, conspiracy=None, cache=cache)
    assert slow.seen == ["you are"]
    again = score(frame, toxicity=c, conspiracy=None, cache=cache)
    assert slow.seen == ["you are"]  # the slow part came from the cache
    pd.testing.assert_frame_equal(first, again)
    assert first["toxicity_scorer"].iloc[0] == "cascade[lengthy|counting|0.3:0.95]"
    assert first.loc[1, "flag_reasons"] == ["insult"]


def test_band_is_validated():
    assert parse_band((0.1, 0.2)) == (0.1, 0.2)
    for bad in ("0.5", "a:b", "-0.1:0.5", "0.2:1.5"):
        with pytest.raises(ConfigError, match="cascade band"):
            parse_band(bad)


@pytest.mark.skipif(encoder_status() is None, reason="the MiniLM encoder is available here")
def test_without_the_encoder_auto_is_the_fast_model_and_cascade_says_why():
    assert resolve_scorer("auto", "toxicity").name == "lite"
    assert resolve_scorer("auto", "conspiracy").name == "conspiracy"
    with pytest.raises(ConfigError, match="MiniLM encoder"):
        resolve_scorer("cascade", "conspiracy")


def test_cli_says_once_that_it_scores_with_the_fast_models(tmp_path):
    from typer.testing import CliRunner

    from modkit.cli import app

    if encoder_status() is None:
        pytest.skip("the MiniLM encoder is available here")
    table = tmp_path / "c.csv"
    pd.DataFrame({"text": ["hello there", "you idiot"]}).to_csv(table, index=False)
    result = CliRunner().invoke(app, ["score", str(table), "-o", str(tmp_path / "s.csv"), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert result.output.count("fast models only") == 1
    bad = CliRunner().invoke(app, ["score", str(table), "-o", str(tmp_path / "s.csv"), "--cascade-band", "0.9:0.1"])
    assert bad.exit_code != 0 and "cascade band" in bad.output


def test_mean_combination_averages_log_odds_inside_the_band_only():
    from modkit.score.cascade import mean_log_odds

    slow = Counting()
    c = CascadeScorer(Lengthy(), slow, band=(0.3, 0.95), combine="mean")
    out = c.predict_proba(pd.DataFrame({"text": TEXTS}))
    assert out.loc[1, "toxicity"] == pytest.approx(float(mean_log_odds([0.7], [0.9])[0]))
    assert out.loc[0, "toxicity"] == pytest.approx(0.2) and out.loc[3, "toxicity"] == 1.0
    assert c.version.endswith("|0.3:0.95|mean]")
    # the score stage applies the same rule as the scorer itself
    staged = score(pd.DataFrame({"text": TEXTS}), toxicity=CascadeScorer(Lengthy(), Counting(), band=(0.3, 0.95),
                                                                        combine="mean"), conspiracy=None)
    pd.testing.assert_series_equal(staged["toxicity"], out["toxicity"], check_names=False)
    with pytest.raises(ConfigError, match="combine"):
        CascadeScorer(Lengthy(), Counting(), band=(0.0, 1.0), combine="max").predict_proba(
            pd.DataFrame({"text": TEXTS}))


class Floored(Lengthy):
    """Fast stand-in whose evidence puts toxicity at least 0.6 under texts saying "claim"."""

    def floors(self, df):
        return pd.DataFrame({"toxicity": [0.6 if "claim" in t else float("nan") for t in df["text"]]},
                            index=df.index)


def test_the_fast_scorers_floors_survive_the_slow_scorer_inside_the_band():
    texts = ["a claim", "not one"]  # lengths 7: both in the band; the slow scorer reads 0.01 for both
    for c in (CascadeScorer(Floored(), Counting(), band=(0.3, 0.95), combine="replace"),
              CascadeScorer(Floored(), Counting(), band=(0.3, 0.95), combine="mean")):
        out = c.predict_proba(pd.DataFrame({"text": texts}))
        staged = score(pd.DataFrame({"text": texts}), toxicity=c, conspiracy=None)
        assert out.loc[0, "toxicity"] == pytest.approx(0.6) and out.loc[1, "toxicity"] < 0.6
        pd.testing.assert_series_equal(staged["toxicity"], out["toxicity"], check_names=False)
