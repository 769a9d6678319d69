"""Model files cannot run code: an exact trust list derived from modkit's own files, and bounded archives."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from modkit.errors import ModkitError
from modkit.score.scorers.conspiracy import DEFAULT_MODEL as CONSPIRACY_MODEL
from modkit.score.scorers.lite import DEFAULT_MODEL as LITE_MODEL
from modkit.train.persist import MAX_SCHEMA_BYTES, TRUSTED_TYPES, UntrustedModelError, load_model, save_model
from modkit.train.trainer import train


def _tiny_frame() -> pd.DataFrame:
    words = ["idiot", "moron", "clown", "loser", "fool"]
    return pd.DataFrame([{"text": f"you {words[i % 5]} {i}" if i % 2 else f"thanks, they planned the edit {i}",
                          "parent_text": "hello there", "label": i % 2, "thread_id": f"t{i // 4}"}
                         for i in range(60)])


@pytest.mark.parametrize("path", [LITE_MODEL, CONSPIRACY_MODEL], ids=["lite", "conspiracy"])
def test_the_shipped_model_files_need_only_trusted_types(path):
    assert set(sio.get_untrusted_types(file=path)) <= TRUSTED_TYPES


@pytest.mark.parametrize("family", ["tfidf", "conspiracy", "lite_ngrams"])
def test_every_family_modkit_train_writes_needs_only_trusted_types(family, tmp_path):
    features = ("text",) if family == "conspiracy" else ("text", "context")
    model, report = train(_tiny_frame(), "label", features, model=family, label_column="label", n_folds=2, n_boot=0)
    path = model.save(tmp_path / "m.skops", report)
    assert set(sio.get_untrusted_types(file=path)) <= TRUSTED_TYPES
    load_model(path)


def test_the_trust_list_names_classes_not_callables_or_modules():
    assert not any(t.startswith(("builtins.", "operator.", "_operator.", "collections.", "os.", "subprocess."))
                   for t in TRUSTED_TYPES)


@pytest.mark.parametrize("payload", [exec, eval, open, print], ids=lambda f: f.__name__)
def test_a_model_file_referring_to_a_builtin_callable_is_refused_with_one_line(payload, tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({"model": LogisticRegression(), "meta": {"hook": payload}}, path)
    with pytest.raises(UntrustedModelError, match=rf"refusing to load untrusted types: \w+\.{payload.__name__}$"):
        load_model(path)


def test_an_archive_that_would_unpack_past_the_limit_is_refused_before_inflating(tmp_path):
    good = save_model(LogisticRegression(), tmp_path / "good.skops", {"v": 1})
    bomb = tmp_path / "bomb.skops"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "schema.json":
                dst.writestr(item, src.read(item))
        dst.writestr("schema.json", " " * (MAX_SCHEMA_BYTES + 1))
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(UntrustedModelError, match="unpacks to"):
        load_model(bomb)


def test_a_file_that_is_not_an_archive_gets_one_clear_error(tmp_path):
    path = tmp_path / "junk.skops"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ModkitError, match="not a modkit model file"):
        load_model(path)
