"""The scoring stage: context wiring, caching, thresholds and flags, model files as scorers."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.base import clone
from typer.testing import CliRunner

from modkit.cli import app
from modkit.errors import ConfigError, SchemaError, UnknownPluginError
from modkit.registry import scorers
from modkit.score import ScoreCache, resolve_scorer, score, with_context
from modkit.score.base import Scorer
from modkit.tables import read_table, write_table
from modkit.train.persist import save_model


@scorers.register
class ShoutScorer(Scorer):
    """Test scorer: toxicity = share of upper-case letters; counts its calls."""

    name = "test-shout"
    calls = 0

    def __init__(self, boost: float = 0.0):
        self.boost = boost

    attributes = ("toxicity", "insult")

    @property
    def version(self) -> str:
        return f"test-shout-{self.boost}"

    def predict_proba(self, comments):
        ShoutScorer.calls += len(comments)
        rows = []
        for text, parent in zip(comments["text"], comments["parent_text"], strict=True):
            letters = [c for c in str(text) if c.isalpha()] or ["a"]
            tox = sum(c.isupper() for c in letters) / len(letters)
            if isinstance(parent, str) and parent.isupper():
                tox = min(1.0, tox + 0.3 + self.boost)  # heated parent, heated reply
            rows.append({"toxicity": tox, "insult": tox / 2})
        return pd.DataFrame(rows, index=comments.index)


@scorers.register
class CueScorer(Scorer):
    name = "test-cues"
    kind = "conspiracy"
    attributes = ("conspiracy",)

    def predict_proba(self, comments):
        return pd.DataFrame({"conspiracy": [0.9 if "planned" in t else 0.1 for t in comments["text"]]},
                            index=comments.index)

    def evidence(self, comments):
        return pd.Series([[{"kind": "secret_plot", "start": t.find("planned"), "end": t.find("planned") + 7,
                            "text": "planned"}] if "planned" in t else [] for t in comments["text"]],
                         index=comments.index)


@pytest.fixture
def table():
    return pd.DataFrame({
        "comment_id": ["a", "b", "c"],
        "parent_id": [None, "a", None],
        "text": ["YOU ARE ALL WRONG", "no, you are", "It was planned by them"],
        "author": ["ann", "bob", "cy"],
    })


def test_with_context_adds_the_parent_text_from_the_table(table):
    assert with_context(table)["parent_text"].tolist() == [None, "YOU ARE ALL WRONG", None]
    assert with_context(table, context=False)["parent_text"].tolist() == [None, None, None]


def test_score_adds_attributes_flags_reasons_and_versions(table):
    out = score(table, toxicity="test-shout", conspiracy="test-cues")
    assert list(out.columns[:4]) == list(table.columns)
    assert out["flagged"].tolist() == [True, False, True]
    # toxicity never flags alone when the scorer reports an attack attribute (insult): the guidelines
    assert out["flag_reasons"].tolist() == [["insult"], [], ["conspiracy"]]
    assert out["conspiracy_cues"][2][0]["kind"] == "secret_plot"
    assert set(out["toxicity_scorer"]) == {"test-shout-0.0"}


def test_score_uses_context_unless_told_not_to(table):
    with_ctx = score(table, toxicity="test-shout", conspiracy=None)
    without = score(table, toxicity="test-shout", conspiracy=None, context=False)
    assert with_ctx["toxicity"][1] > without["toxicity"][1]
    assert with_ctx["toxicity"][0] == without["toxicity"][0]


def test_score_does_not_mutate_its_input(table):
    before = table.copy()
    score(table, toxicity="test-shout", conspiracy=None)
    pd.testing.assert_frame_equal(table, before)


def test_user_thresholds_override_and_unknown_attributes_are_refused(table):
    out = score(table, toxicity="test-shout", conspiracy=None, thresholds={"toxicity": 0.05, "insult": 0.1})
    assert out["flag_reasons"].tolist() == [["insult"], ["insult"], []]
    out = score(table, toxicity="test-shout", conspiracy=None, thresholds={"toxicity": 0.05, "insult": 1.0})
    assert out["flag_reasons"].tolist() == [[], [], []]
    with pytest.raises(ConfigError, match="unknown attribute 'threat'"):
        score(table, toxicity="test-shout", conspiracy=None, thresholds={"threat": 0.5})


def test_cache_skips_replies_already_scored_and_misses_on_new_versions(table, tmp_path):
    cache = ScoreCache(tmp_path / "c.sqlite")
    ShoutScorer.calls = 0
    first = score(table, toxicity="test-shout", conspiracy=None, cache=cache)
    second = score(table, toxicity="test-shout", conspiracy=None, cache=cache)
    assert ShoutScorer.calls == 3
    pd.testing.assert_frame_equal(first, second)
    score(table, toxicity=ShoutScorer(boost=0.1), conspiracy=None, cache=cache)
    assert ShoutScorer.calls == 6
    score(table, toxicity="test-shout", conspiracy=None, cache=cache, context=False)
    assert ShoutScorer.calls == 7  # only the reply whose context changed


def test_score_rejects_table_without_text_column():
    with pytest.raises(SchemaError, match="missing columns: text"):
        score(pd.DataFrame({"body": ["x"]}), toxicity="test-shout", conspiracy=None)


def test_unknown_scorer_lists_the_valid_names():
    with pytest.raises(UnknownPluginError, match="Unknown scorer 'lyte'; did you mean 'lite'. choose one of: "
                                                 ".*test-shout"):
        resolve_scorer("lyte", "toxicity")
    # the conspiracy slot lists the conspiracy scorers, not the toxicity ones
    with pytest.raises(UnknownPluginError, match=r"'conspricy'; did you mean 'conspiracy'\? choose one of: auto, "
                                                 r"cascade, conspiracy, model, test-cues, none\."):
        resolve_scorer("conspricy", "conspiracy")


def test_scorers_clone_and_round_trip_params():
    s = ShoutScorer(boost=0.2)
    assert clone(s).get_params() == {"boost": 0.2}


def test_scores_survive_every_table_format(table, tmp_path):
    out = score(table, toxicity="test-shout", conspiracy="test-cues")
    for ext in (".jsonl", ".parquet", ".csv"):
        back = read_table(write_table(out, tmp_path / f"s{ext}"))
        assert back["flag_reasons"].tolist() == out["flag_reasons"].tolist()
        assert back["conspiracy_cues"][2][0]["text"] == "planned"


def _train_tiny_model(path):
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X = pd.DataFrame({"text": ["you idiot", "thanks friend", "shut up idiot", "nice point"] * 5,
                      "parent_text": [None] * 20})
    y = [1, 0, 1, 0] * 5
    pipe = make_pipeline(ColumnTransformer([("t", TfidfVectorizer(), "text")]), LogisticRegression())
    save_model(pipe.fit(X, y), path, {"target": "toxicity", "kind": "toxicity", "name": "tiny",
                                      "version": "1", "threshold": 0.4})


def test_a_trained_model_file_is_a_scorer(table, tmp_path):
    path = tmp_path / "tiny.skops"
    _train_tiny_model(path)
    out = score(table.assign(text=["you idiot", "nice point", "thanks"]), toxicity=f"model:{path}",
                conspiracy=None)
    assert out["toxicity"][0] > out["toxicity"][1]
    assert out["toxicity_scorer"][0] == "model:tiny-1"


def test_cli_score_writes_the_table_and_prints_the_most_flagged(table, tmp_path):
    src = write_table(table, tmp_path / "comments.csv")
    out = tmp_path / "scores.parquet"
    result = CliRunner().invoke(app, ["score", str(src), "-o", str(out), "--toxicity", "test-shout",
                                      "--conspiracy", "test-cues", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    assert "most flagged replies (2 of 3 flagged)" in result.stdout
    assert "YOU ARE ALL WRONG" in result.stdout
    assert len(read_table(out)) == 3


def test_cli_score_bad_threshold_is_one_line(table, tmp_path):
    src = write_table(table, tmp_path / "comments.csv")
    result = CliRunner().invoke(app, ["score", str(src), "-o", str(tmp_path / "s.csv"),
                                      "--toxicity", "test-shout", "--threshold", "toxicity:0.5"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --threshold 'toxicity:0.5': expected ATTR=VALUE, e.g. toxicity=0.7"


def test_cli_score_table_without_text_column_is_one_line(tmp_path):
    src = write_table(pd.DataFrame({"body": ["x"]}), tmp_path / "bad.csv")
    result = CliRunner().invoke(app, ["score", str(src), "-o", str(tmp_path / "s.csv"), "--no-cache"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: bad.csv is missing columns: text."


def test_forked_workers_give_the_same_scores_as_one_process():
    from modkit.score import MIN_ROWS_PER_JOB

    n = 2 * MIN_ROWS_PER_JOB + 7
    big = pd.DataFrame({"text": [("HEY " if i % 3 else "calm ") + str(i) for i in range(n)],
                        "parent_text": [None if i % 2 else "SHOUTED PARENT" for i in range(n)]})
    one = score(big, toxicity="test-shout", conspiracy="test-cues", n_jobs=1)
    two = score(big, toxicity="test-shout", conspiracy="test-cues", n_jobs=2)
    pd.testing.assert_frame_equal(one, two)
