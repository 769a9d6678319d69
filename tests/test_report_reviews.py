"""Human decisions win in reports: `modkit report --labels STORE` follows the label store's final labels."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from modkit.cli import app

runner = CliRunner()

SCORED = pd.DataFrame({
    "thread_id": ["t"] * 4,
    "comment_id": ["a", "b", "c", "d"],
    "parent_id": [None, "a", "a", "c"],
    "author": ["ann", "bob", "cy", "dee"],
    "text": ["Here is my recipe.", "You absolute idiot, nobody asked.", "Mine is better, honestly.",
             "I know where you sleep."],
    "toxicity": [0.02, 0.95, 0.10, 0.30],
    "insult": [0.01, 0.93, 0.05, 0.10],
    "threat": [0.0, 0.01, 0.0, 0.20],
    "flag_reasons": [[], ["insult"], [], []],
    "flagged": [False, True, False, False],
})


def _report(tmp_path, store=None):
    table = tmp_path / "scored.parquet"
    SCORED.to_parquet(table)
    out = tmp_path / ("with" if store else "without")
    args = ["report", str(table), "-o", str(out), "--format", "md,json"]
    if store:
        args += ["--labels", str(store)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return (out / "threads" / "t.md").read_text(), json.loads((out / "threads" / "t.json").read_text()), result


def _label(store, item, answer, who="ana"):
    result = runner.invoke(app, ["label", item, "--reviewer", who, "--label", answer, "--store", str(store)])
    assert result.exit_code == 0, result.output


def test_a_reply_marked_fine_leaves_the_actions_and_a_confirmed_one_is_certain(tmp_path):
    before_md, before, _ = _report(tmp_path)
    assert "Remove" in before_md and "#2 by bob" in before_md
    assert before["risk"]["level"] != "none"

    store = tmp_path / "labels.sqlite"
    _label(store, "b", "fine")
    _label(store, "d", "toxic")
    md, doc, result = _report(tmp_path, store)
    assert "2 replies decided by moderators" in result.output
    actions = [a for a in doc["actions"] if a["kind"] == "remove_reply"]
    assert [a["target"] for a in actions] == ["d"]  # bob's reply is no longer a target
    assert all("b" not in r["evidence"] for r in doc["risk"]["reasons"])
    assert "confirmed toxic by review" in md
    assert "Reviewed: 1 of 1 flagged replies decided by moderators (1 confirmed toxic, 1 fine)." in md
    replies = {r["comment_id"]: r for r in doc["replies"]}
    assert replies["b"]["review"] == "fine" and replies["d"]["review"] == "toxic"


def test_a_decision_on_edited_text_is_set_aside(tmp_path):
    from modkit.review import LabelStore
    from modkit.review import label as record

    store = tmp_path / "labels.sqlite"
    old = SCORED.assign(text=SCORED["text"].where(SCORED["comment_id"] != "b", "an older text"))
    record(LabelStore(store), "b", "ana", "fine", old)
    md, doc, result = _report(tmp_path, store)
    assert "set aside because the reply's text changed" in result.output
    assert any(a["target"] == "b" for a in doc["actions"] if a["kind"] == "remove_reply")


def test_a_missing_store_is_one_line(tmp_path):
    table = tmp_path / "scored.parquet"
    SCORED.to_parquet(table)
    result = runner.invoke(app, ["report", str(table), "-o", str(tmp_path / "r"), "--labels",
                                 str(tmp_path / "nope.sqlite")])
    assert result.exit_code == 1
    assert "no label store here" in result.output
