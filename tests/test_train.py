"""Training and evaluating classifiers from labels: folds, threshold, metrics, model files, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from typer.testing import CliRunner

from modkit.cli import app
from modkit.errors import ConfigError, SchemaError
from modkit.score.scorers.lite import LiteToxicityScorer
from modkit.tables import write_table
from modkit.train import UntrustedModelError, evaluate, load, load_model, train
from modkit.train.cv import make_folds
from modkit.train.metrics import classification_metrics

from .conftest import SHARED, needs_shared

runner = CliRunner()
#: Bootstrap resamples in tests: enough to produce intervals, few enough to stay fast.
FEW_BOOT = 20
INSULTS = ["you idiot", "shut up moron", "you are a fool", "what a stupid clown"]
FINE = ["good point about the budget", "thanks for the link", "I disagree with the figures",
        "the vote is next week", "see the article above", "interesting history here"]


def _labelled(n_threads: int = 5, per_thread: int = 6, thread_column: bool = True) -> pd.DataFrame:
    """A tiny labels export: every thread has insults and fine replies, each with a parent."""
    rows = []
    for t in range(n_threads):
        for i in range(per_thread):
            toxic = i % 3 == 0
            text = INSULTS[(t + i) % len(INSULTS)] if toxic else FINE[(t + i) % len(FINE)]
            rows.append({"item_id": f"c{t}_{i}", "thread_id": f"t{t}", "text": text,
                         "parent_text": FINE[(t + i + 1) % len(FINE)], "toxic": int(toxic),
                         "conspiracy": 0})
    df = pd.DataFrame(rows)
    return df if thread_column else df.drop(columns=["thread_id"])


@pytest.fixture(scope="module")
def trained():
    return train(_labelled(), "toxicity", n_boot=FEW_BOOT, data_name="tiny")


def test_grouped_folds_never_put_a_thread_in_two_folds():
    rng = np.random.default_rng(0)
    groups = [f"t{i}" for i in rng.integers(0, 12, 200)]
    y = rng.integers(0, 2, 200)
    folds, how = make_folds(y, groups, n_folds=5)
    assert how.startswith("5-fold cross-validation grouped by thread")
    seen: dict[str, int] = {}
    for k, (_, test) in enumerate(folds):
        for i in test:
            assert seen.setdefault(groups[i], k) == k
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(200))


def test_train_without_thread_column_says_so_and_uses_stratified_folds():
    _, report = train(_labelled(thread_column=False), "toxicity", n_boot=0)
    assert "stratified" in report.method
    assert any("no thread column" in n for n in report.notes)


def test_train_stores_threshold_and_target_in_model_metadata(trained, tmp_path):
    model, _ = trained
    assert 0.0 < model.meta["threshold"] < 1.0
    assert model.meta["target"] == "toxicity" and model.meta["kind"] == "toxicity"
    path = model.save(tmp_path / "m.skops")
    assert load_model(path)[1]["threshold"] == model.meta["threshold"]


def test_trained_model_ranks_insults_above_fine_replies(trained):
    model, report = trained
    p = model.predict_proba(pd.DataFrame({"text": ["shut up you moron", "thanks for the figures"]}))[:, 1]
    assert p[0] > p[1]
    assert report.scorers[model.meta["name"]]["n"] == 30


def test_metrics_on_a_known_toy_case():
    r = classification_metrics([0, 0, 0, 1, 1, 1], [0.1, 0.2, 0.7, 0.6, 0.8, 0.9], 0.5, n_boot=0)
    # flags at 0.5: rows 3, 4, 5, 6 -> TP 3, FP 1, FN 0, TN 2
    assert r["confusion"] == {"tn": 2, "fp": 1, "fn": 0, "tp": 3}
    assert r["roc_auc"]["value"] == pytest.approx(8 / 9)
    assert r["f1"]["value"] == pytest.approx(6 / 7)
    assert r["mcc"]["value"] == pytest.approx((3 * 2 - 1 * 0) / np.sqrt(4 * 3 * 2 * 3))
    assert r["precision"]["value"] == pytest.approx(0.75) and r["recall"]["value"] == 1.0


def test_metrics_intervals_contain_the_point_value():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = y * 0.5 + rng.random(300) * 0.7
    r = classification_metrics(y, s, 0.6, n_boot=200)
    for m in ("roc_auc", "average_precision", "mcc", "f1"):
        assert r[m]["low"] <= r[m]["value"] <= r[m]["high"]


def test_save_writes_a_model_card_beside_the_model(trained, tmp_path):
    model, report = trained
    path = model.save(tmp_path / "tox.skops", report)
    card = (tmp_path / "tox.md").read_text()
    assert path.is_file()
    assert card.startswith("# Model card: toxicity-tfidf")
    assert "cross-validation grouped by thread" in card and "ROC AUC" in card


class NotAllowed:
    """A type outside the trust list (its module is a test module, not sklearn or modkit)."""


def test_untrusted_skops_file_is_refused(tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({"model": NotAllowed(), "meta": {}}, path)
    with pytest.raises(UntrustedModelError, match="refusing to load untrusted types: .*NotAllowed"):
        load(path)
    result = runner.invoke(app, ["evaluate", str(path), str(tmp_path / "whatever.jsonl")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "untrusted types" in lines[0]


def test_train_rejects_unknown_target_naming_the_columns():
    with pytest.raises(SchemaError, match="no label column 'spam' for target 'spam'; pass --label-column"):
        train(_labelled(), "spam")


def test_train_rejects_context_without_parent_texts():
    with pytest.raises(ConfigError, match="no 'parent_text' column"):
        train(_labelled().drop(columns=["parent_text"]), "toxicity")


def test_non_binary_labels_need_positive_values():
    df = _labelled().assign(category=lambda d: np.where(d["toxic"] == 1, "BAD", "OK"))
    with pytest.raises(SchemaError, match="not binary .* pass --positive"):
        train(df, "toxicity", label_column="category")
    model, _ = train(df, "toxicity", label_column="category", positive=["BAD"], n_boot=0)
    assert model.meta["positives"] == 10


def test_evaluate_compares_with_another_scorer(trained):
    model, _ = trained
    report = evaluate(model, _labelled(3), compare_with="lite", n_boot=FEW_BOOT)
    assert list(report.scorers) == [model.meta["name"], LiteToxicityScorer().version]
    assert "ROC AUC vs ref." in report.to_table().columns
    numbers = report.to_frame()
    assert numbers["roc_auc"].dtype.kind == "f" and {"roc_auc_low", "roc_auc_diff", "tp"} <= set(numbers.columns)


def _write(df: pd.DataFrame, path) -> str:
    return str(write_table(df, path))


def test_cli_train_then_evaluate_then_score_with_the_model(tmp_path):
    data = _write(_labelled(), tmp_path / "labels.jsonl")
    model = tmp_path / "tox.skops"
    result = runner.invoke(app, ["train", data, "--target", "toxicity", "-o", str(model), "--n-boot", "0"])
    assert result.exit_code == 0, result.stderr
    assert model.is_file() and (tmp_path / "tox.md").is_file()
    assert "grouped by thread" in result.stdout
    result = runner.invoke(app, ["evaluate", str(model), data, "--compare", "lite", "--n-boot", str(FEW_BOOT)])
    assert result.exit_code == 0, result.stderr
    assert LiteToxicityScorer().version in result.stdout and "ref." in result.stdout
    comments = tmp_path / "comments.csv"
    pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "a"],
                  "text": ["thanks for the link", "shut up you moron"]}).to_csv(comments, index=False)
    scored = tmp_path / "scored.jsonl"
    result = runner.invoke(app, ["score", str(comments), "-o", str(scored), "--toxicity", f"model:{model}",
                                 "--conspiracy", "none", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    out = pd.read_json(scored, lines=True)
    assert out.loc[1, "toxicity"] > out.loc[0, "toxicity"]
    assert out["toxicity_scorer"].iloc[0].startswith("model:toxicity-tfidf-")


def test_cli_train_missing_label_column_is_a_one_line_error(tmp_path):
    data = _write(_labelled().drop(columns=["toxic"]), tmp_path / "labels.jsonl")
    result = runner.invoke(app, ["train", data, "--target", "toxicity", "-o", str(tmp_path / "m.skops")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: no label column 'toxic' for target 'toxicity'; pass --label-column (columns: item_id, "
        "thread_id, text, parent_text, conspiracy)."]


def test_cli_train_unknown_feature_is_a_one_line_error(tmp_path):
    data = _write(_labelled(), tmp_path / "labels.jsonl")
    result = runner.invoke(app, ["train", data, "--target", "toxicity", "--features", "text,emoji",
                                 "-o", str(tmp_path / "m.skops")])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: unknown feature 'emoji'; choose from: text, context."


def test_compared_families_share_the_folds_and_get_paired_differences():
    model, report = train(_labelled(), "toxicity", features=["text"], compare=["tfidf:text+context", "apc"],
                          n_boot=FEW_BOOT)
    assert list(report.scorers) == ["toxicity-tfidf", "tfidf (text+context)", "apc"]
    assert set(report.comparison) == {"toxicity-tfidf", "apc"}  # the first compared family is the reference
    pred = report.predictions
    assert len(pred) == 30 and {"fold", "score:toxicity-tfidf", "score:apc"} <= set(pred.columns)
    # every row was scored by a model that did not see its thread
    assert pred.groupby("group")["fold"].nunique().max() == 1
    assert model.meta["model"] == "tfidf"


def test_auxiliary_rows_are_trained_on_but_never_scored():
    aux = pd.DataFrame({"text": ["total clown", "thanks a lot"] * 5, "toxic": [1, 0] * 5})
    model, report = train(_labelled(), "toxicity", features=["text"], auxiliary=aux, n_boot=0)
    assert len(report.predictions) == 30  # the 10 auxiliary rows are not in the metrics
    assert report.scorers["toxicity-tfidf"]["n"] == 30
    assert model.meta["auxiliary_rows"] == 10
    assert any("10 auxiliary rows" in n for n in report.notes)
    # the auxiliary word "clown" is learned (it appears in no main reply's training fold otherwise)
    p = model.predict_proba(pd.DataFrame({"text": ["total clown", "thanks a lot"]}))[:, 1]
    assert p[0] > p[1]


def test_mcc_threshold_rule_is_stored_and_validated():
    model, _ = train(_labelled(), "toxicity", features=["text"], threshold_rule="mcc", n_boot=0)
    assert model.meta["threshold_rule"] == "mcc"
    with pytest.raises(ConfigError, match="unknown threshold rule 'auc'"):
        train(_labelled(), "toxicity", threshold_rule="auc", n_boot=0)
    with pytest.raises(ConfigError, match="unknown model 'bert'"):
        train(_labelled(), "toxicity", compare=["bert"], n_boot=0)


def test_conspiracy_family_trains_through_the_same_code(tmp_path):
    claims = ["the deep state planned it all, wake up", "they staged the attack to take our rights",
              "the elites secretly engineered this crisis", "it was a false flag run by the globalists"]
    fine = ["the ministry published the figures", "the vote was close", "turnout rose this year",
            "the report cites three studies"]
    df = pd.DataFrame({"thread_id": [f"t{i // 4}" for i in range(32)],
                       "text": [claims[i % 4] if i % 2 else fine[i % 4] for i in range(32)],
                       "conspiracy": [i % 2 for i in range(32)]})
    model, report = train(df, "conspiracy", features=["text"], model="conspiracy", threshold_rule="mcc", n_boot=0)
    assert model.meta["kind"] == "conspiracy" and report.scorers["conspiracy-conspiracy"]["roc_auc"]["value"] > 0.9
    path = model.save(tmp_path / "c.skops", report)
    assert "stacked with the conspiracy cue counts" in path.with_suffix(".md").read_text()
    # the file is a scorer, like any trained model
    from modkit.score.scorers.model_file import ModelFileScorer

    scores = ModelFileScorer(str(path)).predict_proba(pd.DataFrame({"text": ["wake up, they planned it",
                                                                             "the figures are out"]}))
    assert scores["conspiracy"].iloc[0] > scores["conspiracy"].iloc[1]


def test_cli_trains_the_lite_family_with_auxiliary_rows_and_a_comparison(tmp_path):
    data = _write(_labelled(6), tmp_path / "labels.jsonl")
    aux = _write(pd.DataFrame({"text": ["total clown", "thanks a lot", "you fool", "nice work"] * 5,
                               "toxic": [1, 0, 1, 0] * 5}), tmp_path / "aux.csv")
    model = tmp_path / "lite.skops"
    result = runner.invoke(app, ["train", data, "--target", "toxicity", "--model", "lite", "--also-train", aux,
                                 "--compare", "tfidf", "-o", str(model), "--n-boot", "0"])
    assert result.exit_code == 0, result.stderr
    assert "20 auxiliary rows" in result.stderr and "tfidf" in result.stdout
    trained = load(model)
    assert trained.meta["model"] == "lite" and trained.meta["params"]["context"] is True
    p = trained.predict_proba(pd.DataFrame({"text": ["shut up moron", "thanks for the link"],
                                            "parent_text": ["thanks for the link", ""]}))[:, 1]
    assert p[0] > p[1]


def test_evaluate_takes_the_embedded_scorers_and_their_model_files():
    from modkit.score.scorers.lite import DEFAULT_MODEL

    data = _labelled(4)
    by_spec = evaluate("lite", data, n_boot=0)
    by_file = evaluate(DEFAULT_MODEL, data, n_boot=0)
    name = LiteToxicityScorer().version
    assert list(by_spec.scorers) == list(by_file.scorers) == [name]
    assert by_spec.scorers[name]["roc_auc"]["value"] == by_file.scorers[name]["roc_auc"]["value"]
    assert by_spec.target == "toxicity"
    report = evaluate("conspiracy", data.assign(conspiracy=[i % 2 for i in range(len(data))]), n_boot=0)
    assert report.target == "conspiracy"


def test_a_conspiracy_family_file_scores_with_its_cues_as_evidence(tmp_path):
    from modkit.score import resolve_scorer
    from modkit.score.scorers.conspiracy import ConspiracyScorer

    claims = ["the deep state planned it all, wake up", "they staged the attack to take our rights"]
    df = pd.DataFrame({"text": [claims[i % 2] if i % 2 else f"the vote was close {i}" for i in range(20)],
                       "conspiracy": [i % 2 for i in range(20)]})
    model, report = train(df, "conspiracy", features=["text"], model="conspiracy", n_boot=0)
    path = model.save(tmp_path / "c.skops", report)
    scorer = resolve_scorer(f"model:{path}", "conspiracy")
    assert isinstance(scorer, ConspiracyScorer)
    scores, evidence = scorer.predict_with_evidence(pd.DataFrame({"text": ["wake up, it was staged"]}))
    assert [c["kind"] for c in evidence.iloc[0]] != []


def test_cli_evaluate_a_missing_model_names_the_file(tmp_path):
    data = _write(_labelled(), tmp_path / "labels.jsonl")
    result = runner.invoke(app, ["evaluate", str(tmp_path / "nope.skops"), data])
    assert result.exit_code == 1
    assert "nope.skops: model file not found" in result.stderr


def test_cli_evaluates_the_embedded_lite_scorer_by_name(tmp_path):
    data = _write(_labelled(), tmp_path / "labels.jsonl")
    result = runner.invoke(app, ["evaluate", "lite", data, "--n-boot", "0"])
    assert result.exit_code == 0, result.stderr
    assert LiteToxicityScorer().version in result.stdout


def test_evaluate_reads_the_features_the_readme_gives_for_data_labelled_without_parents(tmp_path):
    """gn.csv was labelled without the parent: `--features text` scores the replies alone, as in training."""
    import modkit

    # the same reply under toxic and friendly parents: only the parents tell the rows apart
    rows = pd.DataFrame({"text": ["I agree with every word of this"] * 20,
                         "parent_text": ["you are a worthless idiot and a moron" if i % 2 else
                                         "thanks for the lovely recipe" for i in range(20)],
                         "toxic": [i % 2 for i in range(20)], "thread_id": [f"t{i}" for i in range(20)]})

    def auc(**kw):
        return modkit.evaluate("lite", rows, n_boot=0, **kw).to_frame()["roc_auc"].iloc[0]

    assert auc() > 0.9 and auc(features=["text", "context"]) == auc()
    assert auc(features=["text"]) == 0.5
    data = _write(rows, tmp_path / "labels.jsonl")
    result = runner.invoke(app, ["evaluate", "lite", data, "--features", "text", "--n-boot", "0"])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["evaluate", "lite", _write(rows.drop(columns="parent_text"), tmp_path / "p.jsonl"),
                                 "--features", "text,context"])
    assert result.exit_code == 2 and "pass --parent-column or --features text" in result.stderr


def test_cli_auxiliary_rows_without_the_label_column_are_a_one_line_error(tmp_path):
    data = _write(_labelled(), tmp_path / "labels.jsonl")
    aux = _write(pd.DataFrame({"text": ["hi"], "label": [1]}), tmp_path / "aux.csv")
    result = runner.invoke(app, ["train", data, "--target", "toxicity", "--also-train", aux,
                                 "-o", str(tmp_path / "m.skops")])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: auxiliary rows: no label column 'toxic' for target 'toxicity'; "
                                     "pass --label-column (columns: text, label).")
    assert not (tmp_path / "m.skops").exists()


def test_evaluate_warns_when_shown_the_rows_a_model_was_trained_on():
    from modkit.train import evaluate, train

    df = pd.DataFrame({"thread_id": [f"t{i // 6}" for i in range(24)],
                       "text": [f"you idiot {i}" if i % 2 else f"good point {i}" for i in range(24)],
                       "toxic": [i % 2 for i in range(24)]})
    model, _ = train(df, "toxicity", features=["text"], n_boot=0)
    seen = evaluate(model, df, n_boot=0)
    assert seen.notes[0].startswith("Warning: 24 of 24 evaluation texts (100%) were in")
    fresh = df.assign(text=[f"you clown {i}" if i % 2 else f"fair point {i}" for i in range(24)])
    assert not any(n.startswith("Warning") for n in evaluate(model, fresh, n_boot=0).notes)


@needs_shared
def test_evaluating_the_embedded_lite_on_its_own_training_file_warns():
    from modkit.train import evaluate

    gn = pd.read_csv(SHARED / "toxicity" / "wiki_talk_context" / "gn.csv").head(300)
    report = evaluate("lite", gn.rename(columns={"label": "toxic"}), n_boot=0)
    assert report.notes[0].startswith("Warning: ") and "lite" in report.notes[0]


def test_small_or_odd_training_data_gets_messages_that_say_what_to_do():
    rng = np.random.default_rng(0)
    few = pd.DataFrame({"thread_id": [f"t{i // 4}" for i in range(20)],
                        "text": [f"you idiot {i}" if i < 3 else f"good point {i}" for i in range(20)],
                        "toxic": [int(i < 3) for i in range(20)]})
    with pytest.raises(SchemaError, match=r"cross-validation fold \d of \d .*label more examples of the rarer "
                                          r"class .*or pass fewer folds"):
        train(few, "toxicity", features=["text"], n_boot=0)
    unrelated = pd.DataFrame({"thread_id": [f"t{i // 4}" for i in range(40)],
                              "text": [f"word{rng.integers(1000)} x{i}" for i in range(40)],
                              "toxic": [i % 2 for i in range(40)]})
    with pytest.raises(SchemaError, match="share too few words"):
        train(unrelated, "toxicity", features=["text"], n_boot=0)
    vocab = [f"w{j}" for j in range(12)]
    noise = pd.DataFrame({"thread_id": [f"t{i // 4}" for i in range(60)],
                          "text": [" ".join(rng.choice(vocab, 5)) for _ in range(60)],
                          "toxic": rng.integers(0, 2, 60)})
    model, report = train(noise, "toxicity", features=["text"], n_boot=0)
    auc = report.scorers[model.meta["name"]]["roc_auc"]["value"]
    assert auc <= 0.5 and report.notes[0].startswith(f"Warning: out-of-fold ROC AUC {auc:.3f} is no better")


def test_train_reports_progress_fit_by_fit():
    calls = []
    df = pd.DataFrame({"thread_id": [f"t{i // 6}" for i in range(24)],
                       "text": [f"you idiot {i}" if i % 2 else f"good point {i}" for i in range(24)],
                       "toxic": [i % 2 for i in range(24)]})
    train(df, "toxicity", features=["text"], n_boot=0, progress=lambda d, t, what: calls.append((d, t, what)))
    total = calls[0][1]
    assert [d for d, _, _ in calls] == list(range(total + 1)) and calls[-1] == (total, total, "done")
    assert "fold 1 of" in calls[0][2] and "final fit" in calls[-2][2]
