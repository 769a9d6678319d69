"""The encoder path of the cascade: a checkpoint in modkit-minilm's layout (seven outputs, calibration),
served by the Detoxify backend, picked by ``auto`` when built, and cascaded behind the fast models.

A tiny random BERT stands in for the fine-tuned MiniLM (built at test time, network blocked):
the code that finds, loads, calibrates and serves the real one runs unchanged. Skips without
the ``detoxify``/``encoder`` extra.
"""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest

from modkit.errors import ModkitError

pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("onnxruntime")

CLASSES = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack", "conspiracy")
WORDS = ["the", "a", "you", "are", "idiot", "thanks", "great", "they", "faked", "landing", "moon", "vaccine",
         "government", "lies", "recipe", "bread", "nice", "hate", "stupid", "is", "was", "it"]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _build(folder, calibration=None):
    """A tiny seven-output BERT written as the MiniLM recipe writes its model."""
    import torch

    from modkit.train.recipes import minilm

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *".,!?'", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast.from_pretrained(folder, model_max_length=32)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                                     num_labels=len(CLASSES), initializer_range=0.3)
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config).eval()
    return minilm.save(model, tokenizer, folder, calibration=calibration)


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A modkit-minilm checkpoint in a private modkit cache (so ``auto`` finds it)."""
    from modkit.score import cascade

    monkeypatch.setenv("MODKIT_CACHE_DIR", str(tmp_path / "cache"))
    cascade.encoder_status.cache_clear()
    from modkit.score.detoxify_checkpoint import minilm_dir

    path = _build(minilm_dir())
    yield path
    cascade.encoder_status.cache_clear()


REPLIES = pd.DataFrame({"text": ["you are a stupid idiot", "nice bread recipe", "they faked the moon landing",
                                 "thanks", "the government lies about the vaccine"],
                        "parent_text": ["great", None, "it was great", "", "the vaccine"]})


def test_the_toxicity_slot_gets_the_toxicity_outputs_and_the_conspiracy_slot_its_own(built):
    from modkit.score.scorers.detoxify import DetoxifyScorer

    tox = DetoxifyScorer(model="modkit-minilm", context="pair")
    assert tox.attributes == CLASSES[:6] and tox.kind == "toxicity"
    con = DetoxifyScorer(model="modkit-minilm", context="pair", outputs=("conspiracy",))
    assert con.attributes == ("conspiracy",) and con.kind == "conspiracy"
    both = tox.predict_proba(REPLIES).join(con.predict_proba(REPLIES))
    assert both.notna().all().all() and ((both >= 0) & (both <= 1)).all().all()
    with pytest.raises(ModkitError, match="outputs"):
        _ = DetoxifyScorer(model="modkit-minilm", outputs=("sarcasm",)).attributes


def test_calibration_in_the_checkpoint_maps_each_output(tmp_path):
    from modkit.score.scorers.detoxify import DetoxifyScorer, platt

    plain = _build(tmp_path / "plain")
    shifted = _build(tmp_path / "shifted", calibration={"toxicity": [2.0, -1.0], "conspiracy": [0.5, 0.25]})
    raw = DetoxifyScorer(checkpoint=str(plain), outputs=CLASSES).predict_proba(REPLIES)
    cal = DetoxifyScorer(checkpoint=str(shifted), outputs=CLASSES).predict_proba(REPLIES)
    np.testing.assert_allclose(cal["toxicity"], platt(raw["toxicity"].to_numpy(), 2.0, -1.0), atol=1e-6)
    np.testing.assert_allclose(cal["conspiracy"], platt(raw["conspiracy"].to_numpy(), 0.5, 0.25), atol=1e-6)
    np.testing.assert_allclose(cal["insult"], raw["insult"], atol=1e-7)  # no calibration, unchanged


def test_a_malformed_calibration_is_one_clear_error(tmp_path):
    from modkit.score.detoxify_checkpoint import CheckpointError, read_checkpoint

    path = _build(tmp_path / "bad", calibration={"sarcasm": [1.0, 0.0]})
    with pytest.raises(CheckpointError, match="calibration"):
        read_checkpoint(path)


def test_auto_is_the_cascade_when_the_encoder_is_built(built):
    import modkit.score as stage
    from modkit.score.cascade import CascadeScorer

    tox = stage.resolve_scorer("auto", "toxicity")
    con = stage.resolve_scorer("auto", "conspiracy")
    assert isinstance(tox, CascadeScorer) and isinstance(con, CascadeScorer)
    assert tox.slow.engine == "onnx-int8" and tox.slow.context == "pair"
    from modkit.score.cascade import mean_log_odds

    out = stage.score(REPLIES, band=(0.0, 1.0))  # everything re-read: both models' log-odds averaged
    direct = con.slow.predict_proba(REPLIES)
    alone = stage.score(REPLIES, toxicity="lite", conspiracy="conspiracy")
    floors = con.fast.floors(REPLIES)["conspiracy"]  # a plain claim keeps the fast model's claim floor
    assert floors.notna().sum() == 1
    np.testing.assert_allclose(out["conspiracy"], np.fmax(mean_log_odds(alone["conspiracy"], direct["conspiracy"]),
                                                          floors), atol=1e-6)
    assert out["toxicity_scorer"].iloc[0].startswith("cascade[lite")
    assert "modkit-minilm" in out["conspiracy_scorer"].iloc[0]
    assert out["conspiracy_cues"].map(len).sum() > 0  # the fast model's cues stay the explanation
    narrow = stage.score(REPLIES, band=(1.0, 1.0))  # nothing re-read: the fast models' scores
    fast = stage.score(REPLIES, toxicity="lite", conspiracy="conspiracy")
    np.testing.assert_allclose(narrow["toxicity"], fast["toxicity"])


def test_both_slots_share_one_forward_pass_per_reply(built, monkeypatch):
    from modkit.score.scorers.detoxify import DetoxifyScorer

    tox = DetoxifyScorer(model="modkit-minilm", context="pair")
    con = DetoxifyScorer(model="modkit-minilm", context="pair", outputs=("conspiracy",))
    run = tox._runtime()
    assert con._runtime() is run
    calls = []
    real = run.classifier.predict
    monkeypatch.setattr(run.classifier, "predict", lambda t, p=None: calls.append(len(t)) or real(t, p))
    first = tox.predict_proba(REPLIES)
    con.predict_proba(REPLIES)
    again = tox.predict_proba(REPLIES)
    assert calls == [len(REPLIES)]  # the conspiracy slot and the second call read the memo
    pd.testing.assert_frame_equal(first, again)


def test_the_two_slots_never_share_cache_rows(built, tmp_path):
    import modkit.score as stage
    from modkit.score.cache import ScoreCache

    cache = ScoreCache(tmp_path / "scores.sqlite")
    first = stage.score(REPLIES, cache=cache, band=(0.0, 1.0))
    again = stage.score(REPLIES, cache=cache, band=(0.0, 1.0))
    assert first[["toxicity", "insult", "conspiracy"]].notna().all().all()
    pd.testing.assert_frame_equal(first, again)


#: Makes any import of torch or transformers fail (a spec whose loader refuses), the way a machine
#: without them would, without poisoning sys.modules for libraries that look there.
BLOCK_TORCH = """
import importlib.abc, importlib.machinery, sys
class _Refuse(importlib.abc.Loader):
    def create_module(self, spec):
        raise ImportError(f"{spec.name} is not installed here (blocked by the test)")
    def exec_module(self, module):
        pass
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "transformers"):
            return importlib.machinery.ModuleSpec(name, _Refuse())
        return None
sys.meta_path.insert(0, _Block())
"""


def test_the_tokenizers_adapter_encodes_exactly_as_transformers(tmp_path):
    from tokenizers import Tokenizer

    from modkit.score.fast_infer import encode
    from modkit.score.onnx_bundle import TokenizerAdapter

    _build(tmp_path / "m")
    fast = transformers.BertTokenizerFast.from_pretrained(tmp_path / "m")
    adapter = TokenizerAdapter(Tokenizer.from_file(str(tmp_path / "m" / "tokenizer.json")), fast.pad_token_id,
                               fast.model_input_names)
    long = " ".join(WORDS * 6)
    texts = ["you are a stupid idiot", "", long, "nice bread recipe " * 9, "thanks"]
    parents = [None, "great", long, "the vaccine lies", ""]
    for size in (32, 16):
        ours, theirs = encode(adapter, texts, parents, size), encode(fast, texts, parents, size)
        assert ours.input_ids == theirs.input_ids and ours.token_type_ids == theirs.token_type_ids
        assert ours.owner.tolist() == theirs.owner.tolist() and len(ours.input_ids) > len(texts)  # windows


def test_the_onnx_bundle_scores_like_the_checkpoint_without_torch(built, tmp_path):
    import subprocess
    import sys

    from modkit.score.detoxify_checkpoint import minilm_dir
    from modkit.score.onnx_bundle import write_bundle
    from modkit.score.scorers.detoxify import DetoxifyScorer

    folder = write_bundle(built)
    via_checkpoint = DetoxifyScorer(checkpoint=str(built), config_dir=str(built.parent), engine="onnx-int8",
                                    context="pair", outputs=CLASSES).predict_proba(REPLIES)
    bundled = DetoxifyScorer(model="modkit-minilm", engine="onnx-int8", context="pair", outputs=CLASSES)
    assert bundled._runtime().key[0] == "bundle" and folder == minilm_dir() / "onnx"
    np.testing.assert_allclose(bundled.predict_proba(REPLIES), via_checkpoint, atol=1e-6)
    # and in a process where torch and transformers cannot be imported at all
    script = (BLOCK_TORCH +
              "import pandas as pd, modkit\n"
              "out = modkit.score(pd.DataFrame({'text': ['you are a stupid idiot', 'nice bread']}))\n"
              "print(out['toxicity_scorer'].iloc[0]); print(out['conspiracy'].notna().all())")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [run.stdout.split()[0], "True"] and "modkit-minilm" in run.stdout


def test_a_damaged_bundle_is_one_clear_error(built):
    from modkit.errors import ModkitError
    from modkit.score.onnx_bundle import GRAPH, write_bundle
    from modkit.score.scorers.detoxify import DetoxifyScorer

    folder = write_bundle(built)
    (folder / GRAPH).write_bytes((folder / GRAPH).read_bytes()[:500])
    with pytest.raises(ModkitError, match="ONNX bundle is damaged .*rebuild it"):
        DetoxifyScorer(model="modkit-minilm", engine="onnx-int8", context="pair").predict_proba(REPLIES)
    # `auto` says so and scores with the fast models: the rest of the work goes on
    import modkit.score as stage

    out = stage.score(REPLIES)
    assert out["toxicity_scorer"].iloc[0].startswith("lite") and out["conspiracy"].notna().all()


def test_a_bundle_older_than_its_checkpoint_is_not_used(built):
    import os

    from modkit.score.onnx_bundle import write_bundle
    from modkit.score.scorers.detoxify import DetoxifyScorer

    write_bundle(built)
    assert DetoxifyScorer(model="modkit-minilm", engine="onnx-int8")._runtime().key[0] == "bundle"
    st = built.stat()
    os.utime(built, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # the recipe wrote a new checkpoint
    assert DetoxifyScorer(model="modkit-minilm", engine="onnx-int8")._runtime().key[0] != "bundle"
