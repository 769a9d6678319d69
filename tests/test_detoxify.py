"""The detoxify backend: offline checkpoint loading, chunking, fast engines, errors.

Every test builds a tiny random BERT (a few hundred KB) in Detoxify's checkpoint
format at run time and blocks the network, so the real loading and scoring code runs
with no model hub. Tests needing torch, detoxify or onnxruntime skip cleanly without
the ``detoxify`` extra (``pip install -e '.[detoxify,test]'``). Tests with real weights
run when ``MODKIT_DETOXIFY_CHECKPOINT`` names a checkpoint (and, if it has no config
beside it, ``MODKIT_DETOXIFY_CONFIG_DIR`` the base model's config folder).
"""

from __future__ import annotations

import math
import os
import socket
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modkit.errors import ConfigError, ModkitError
from modkit.score import detoxify_checkpoint as dc
from modkit.score.scorers.detoxify import DetoxifyScorer

WORDS = ["the", "a", "you", "are", "is", "not", "this", "that", "and", "or", "of", "to", "in", "it",
         "i", "we", "they", "he", "she", "was", "be", "have", "do", "say", "what", "good", "bad",
         "nice", "idiot", "stupid", "hate", "love", "thanks", "great", "article", "comment", "reply",
         "please", "people", "think", "know", "wrong", "right", "true", "false", "post", "read",
         "write", "page", "news", "city", "bus", "lane", "bridge"]
JIGSAW = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
#: Window of the tiny model: small, so long-text chunking is cheap to exercise.
TINY_POSITIONS = 128
#: Random weights this large (BERT's default is 0.02) make the tiny model's scores differ
#: between texts instead of all sitting near 0.5, so comparisons between engines mean something.
INIT_RANGE = 0.2


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails, and Hugging Face libraries are told they are offline."""
    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _write_checkpoint(path: Path, state_dict: dict, base_model: str, classes=JIGSAW) -> Path:
    import torch

    config = {"arch": {"args": {"model_type": base_model, "model_name": "BertForSequenceClassification",
                                "tokenizer_name": "BertTokenizer", "num_classes": len(classes)}},
              "dataset": {"args": {"classes": list(classes)}}}
    torch.save({"config": config, "state_dict": state_dict}, path)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny random BERT: ``ckpt`` (base model "bert-base-uncased", so its config must come
    from ``config_dir``), ``config_dir``, and ``detoxify_ckpt`` naming the config folder as
    its base model, so that Detoxify's own loader also works offline."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    root = tmp_path_factory.mktemp("tiny_detoxify")
    config_dir = root / "config"
    config_dir.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *".,!?'", *WORDS,
             *"abcdefghijklmnopqrstuvwxyz", *(f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz")]
    (config_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer.from_pretrained(config_dir, model_max_length=TINY_POSITIONS)
    tokenizer.save_pretrained(config_dir)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64,
                                     max_position_embeddings=TINY_POSITIONS, num_labels=len(JIGSAW),
                                     initializer_range=INIT_RANGE)
    config.save_pretrained(config_dir)
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    state = model.state_dict()
    ckpt = _write_checkpoint(root / "tiny.ckpt", state, "bert-base-uncased")
    detoxify_ckpt = _write_checkpoint(root / "tiny_for_detoxify.ckpt", state, str(config_dir))
    return {"ckpt": ckpt, "config_dir": config_dir, "detoxify_ckpt": detoxify_ckpt, "root": root}


def _scorer(tiny, **kw) -> DetoxifyScorer:
    return DetoxifyScorer(checkpoint=str(tiny["ckpt"]), config_dir=str(tiny["config_dir"]), **kw)


def _sentence(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(rng.choice(WORDS, size=n))


TEXTS = ["you are an idiot", "thanks, great article", "", "i think this is not true . please read the post",
         "bad bad bad", "what do they say about the bridge ?", _sentence(40, 1), _sentence(90, 2)]


def test_a_local_checkpoint_loads_and_scores_with_the_network_blocked(tiny):
    frame = pd.DataFrame({"text": TEXTS}, index=[f"c{i}" for i in range(len(TEXTS))])
    out = _scorer(tiny).predict_proba(frame)
    assert list(out.index) == list(frame.index)
    assert list(out.columns) == ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]
    assert out.dtypes.eq(np.float64).all()
    assert ((out >= 0) & (out <= 1)).all().all()
    assert out["toxicity"].std() > 0.02  # INIT_RANGE makes scores differ between texts


def test_scores_equal_detoxify_predict_within_1e4(tiny):
    detoxify = pytest.importorskip("detoxify")
    reference = detoxify.Detoxify(checkpoint=str(tiny["detoxify_ckpt"]),
                                  huggingface_config_path=str(tiny["config_dir"])).predict(TEXTS)
    ours = _scorer(tiny, batch_size=3).predict_proba(pd.DataFrame({"text": TEXTS}))
    for name, values in reference.items():
        np.testing.assert_allclose(ours[name].to_numpy(), values, atol=1e-4, rtol=0)


def _windows(tokenizer, text: str, size: int) -> list[list[int]]:
    """Overlapping windows written out by hand: ``size`` tokens with specials, a quarter shared."""
    tokens = tokenizer(text, add_special_tokens=False)["input_ids"]
    width = size - 2
    step = width - size // 4
    starts = [0]
    while starts[-1] + width < len(tokens):
        starts.append(starts[-1] + step)
    return [[tokenizer.cls_token_id, *tokens[s:s + width], tokenizer.sep_token_id] for s in starts]


def test_a_long_text_gets_the_max_over_overlapping_windows(tiny):
    import torch

    ckpt = dc.read_checkpoint(tiny["ckpt"])
    config, tokenizer = dc.load_config(ckpt, tiny["config_dir"])
    model = dc.build_model(ckpt, config)
    text = " ".join([_sentence(150, 3), "idiot stupid hate", _sentence(200, 4)])
    windows = _windows(tokenizer, text, TINY_POSITIONS)
    assert len(windows) >= 4
    with torch.inference_mode():
        per_window = np.stack([torch.sigmoid(model(input_ids=torch.tensor([w])).logits)[0].numpy()
                               for w in windows])
    got = _scorer(tiny).predict_proba(pd.DataFrame({"text": [text, "short"]}))
    np.testing.assert_allclose(got.iloc[0].to_numpy(), per_window.max(axis=0), atol=1e-5)
    assert (per_window.max(axis=0) > per_window.min(axis=0)).any()  # windows really differ


def test_odd_texts_get_finite_scores_in_the_unit_interval(tiny):
    odd = ["", "   \n\t ", None, float("nan"), "😀🔥💩", "\x00\x07\x1b[31mred\x1b[0m", "ok \ud800 lone half",
           "Привет, как дела? 你好 مرحبا", "idiot " * 20_000]
    frame = pd.DataFrame({"text": pd.Series(odd, dtype=object)})
    out = _scorer(tiny).predict_proba(frame)
    assert out.shape == (len(odd), 6)
    assert np.isfinite(out.to_numpy()).all() and ((out >= 0) & (out <= 1)).all().all()
    # empty and missing text are scored as the empty string
    np.testing.assert_allclose(out.iloc[0], out.iloc[2])
    np.testing.assert_allclose(out.iloc[0], out.iloc[3])


def test_an_empty_table_gives_empty_columns(tiny):
    out = _scorer(tiny).predict_proba(pd.DataFrame({"text": []}))
    assert out.shape == (0, 6)


def test_pair_context_scores_parent_then_reply_and_none_ignores_the_parent(tiny):
    import torch

    frame = pd.DataFrame({"text": ["you are wrong", "thanks"], "parent_text": ["this article is bad", None]})
    alone = _scorer(tiny).predict_proba(frame)
    np.testing.assert_allclose(alone, _scorer(tiny).predict_proba(frame[["text"]]))
    paired = _scorer(tiny, context="pair").predict_proba(frame)
    ckpt = dc.read_checkpoint(tiny["ckpt"])
    config, tokenizer = dc.load_config(ckpt, tiny["config_dir"])
    model = dc.build_model(ckpt, config)
    with torch.inference_mode():
        enc = tokenizer("this article is bad", "you are wrong", return_tensors="pt")
        expected = torch.sigmoid(model(**enc).logits)[0].numpy()
    np.testing.assert_allclose(paired.iloc[0].to_numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(paired.iloc[1], alone.iloc[1], atol=1e-6)  # no parent: reply alone
    assert not np.allclose(paired.iloc[0], alone.iloc[0])


def test_a_long_parent_keeps_only_its_last_quarter_window_of_tokens(tiny):
    from modkit.score.fast_infer import encode

    ckpt = dc.read_checkpoint(tiny["ckpt"])
    _, tokenizer = dc.load_config(ckpt, tiny["config_dir"])
    parent = _sentence(200, 6)
    chunks = encode(tokenizer, ["you are wrong"], [parent], max_tokens=TINY_POSITIONS)
    assert len(chunks.input_ids) == 1
    ids, types = chunks.input_ids[0], chunks.token_type_ids[0]
    first = ids[1:types.index(1) - 1]  # between [CLS] and the first [SEP]
    assert first == tokenizer(parent, add_special_tokens=False)["input_ids"][-(TINY_POSITIONS // 4):]


def test_onnx_export_round_trips_and_is_reused_from_the_cache(tiny, tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from modkit.score import onnx_export

    frame = pd.DataFrame({"text": TEXTS + [_sentence(300, 5)]})
    torch_scores = _scorer(tiny).predict_proba(frame)
    onnx_scores = _scorer(tiny, engine="onnx", cache_dir=str(tmp_path)).predict_proba(frame)
    np.testing.assert_allclose(onnx_scores, torch_scores, atol=1e-4)
    assert len(list(tmp_path.glob("onnx/*/model-fp32.onnx"))) == 1

    def no_export(*args, **kwargs):
        raise AssertionError("exported again instead of reusing the cached graph")

    monkeypatch.setattr(onnx_export, "export", no_export)
    again = _scorer(tiny, engine="onnx", cache_dir=str(tmp_path)).predict_proba(frame)
    np.testing.assert_allclose(again, onnx_scores, atol=1e-6)
    int8 = _scorer(tiny, engine="onnx-int8", cache_dir=str(tmp_path)).predict_proba(frame)
    assert ((int8 >= 0) & (int8 <= 1)).all().all()
    assert len(list(tmp_path.glob("onnx/*/model-int8.onnx"))) == 1


def test_a_missing_checkpoint_is_one_clear_error(tiny, tmp_path):
    with pytest.raises(dc.CheckpointError, match="checkpoint not found") as err:
        DetoxifyScorer(checkpoint=str(tmp_path / "nope.ckpt")).load()
    assert "\n" not in str(err.value) and isinstance(err.value, ModkitError)


def test_a_corrupt_checkpoint_is_one_clear_error(tiny, tmp_path):
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(os.urandom(2048))
    with pytest.raises(dc.CheckpointError, match="not a readable checkpoint") as err:
        DetoxifyScorer(checkpoint=str(bad)).load()
    assert "\n" not in str(err.value)
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(tiny["ckpt"].read_bytes()[:5000])
    with pytest.raises(dc.CheckpointError, match="not a readable checkpoint"):
        DetoxifyScorer(checkpoint=str(truncated)).load()


def test_a_checkpoint_without_detoxify_config_is_rejected(tiny, tmp_path):
    import torch

    path = tmp_path / "weights_only.ckpt"
    torch.save({"state_dict": {}}, path)
    with pytest.raises(dc.CheckpointError, match="needs 'config' and 'state_dict'"):
        DetoxifyScorer(checkpoint=str(path)).load()
    torch.save({"config": {"arch": {}}, "state_dict": {}}, path)
    with pytest.raises(dc.CheckpointError, match="checkpoint config lacks 'args'"):
        DetoxifyScorer(checkpoint=str(path)).load()


class Payload:
    """An arbitrary Python object: unpickling it could run code."""


def test_a_checkpoint_with_python_objects_needs_trust(tiny, tmp_path):
    import torch

    state = torch.load(tiny["ckpt"], weights_only=True)
    state["extra"] = Payload()
    path = tmp_path / "objects.ckpt"
    torch.save(state, path)
    with pytest.raises(dc.CheckpointError, match="trust_checkpoint=True"):
        _scorer({"ckpt": path, "config_dir": tiny["config_dir"]}).load()
    sys.modules[__name__].Payload = Payload  # findable by the unpickler under this module's name
    assert _scorer({"ckpt": path, "config_dir": tiny["config_dir"]}, trust_checkpoint=True).load()


def test_weights_that_do_not_fit_the_config_are_rejected(tiny, tmp_path):
    import torch

    state = torch.load(tiny["ckpt"], weights_only=True)
    state["state_dict"] = {k: v for k, v in state["state_dict"].items() if not k.startswith("classifier")}
    path = tmp_path / "headless.ckpt"
    torch.save(state, path)
    with pytest.raises(dc.CheckpointError, match="missing, e.g. classifier"):
        _scorer({"ckpt": path, "config_dir": tiny["config_dir"]}).load()


def test_an_unknown_model_name_lists_the_choices():
    with pytest.raises(ConfigError, match="unknown Detoxify model 'orignal'; choose one of: original, unbiased"):
        DetoxifyScorer(model="orignal").load()


def test_a_known_model_without_a_local_file_says_how_to_supply_one(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(dc.CheckpointError, match="modkit never downloads: pass checkpoint=PATH") as err:
        DetoxifyScorer(model="unbiased").load()
    assert "toxic_debiased-c7548aa0.ckpt" in str(err.value) and "\n" not in str(err.value)


def test_a_checkpoint_whose_base_config_is_not_local_asks_for_config_dir(tiny, tmp_path):
    import torch

    state = torch.load(tiny["ckpt"], weights_only=True)
    path = _write_checkpoint(tmp_path / "lonely.ckpt", state["state_dict"], "modkit-tests/no-such-base-model")
    with pytest.raises(dc.CheckpointError, match="pass config_dir=FOLDER"):
        DetoxifyScorer(checkpoint=str(path)).load()
    with pytest.raises(dc.CheckpointError, match="has no config.json"):
        DetoxifyScorer(checkpoint=str(path), config_dir=str(tmp_path)).load()


def test_a_config_folder_beside_the_checkpoint_is_found(tiny, tmp_path):
    import shutil

    shutil.copytree(tiny["config_dir"], tmp_path, dirs_exist_ok=True)
    shutil.copy(tiny["ckpt"], tmp_path / "model.ckpt")
    scorer = DetoxifyScorer(checkpoint=str(tmp_path / "model.ckpt"))
    np.testing.assert_allclose(scorer.predict_proba(pd.DataFrame({"text": TEXTS})),
                               _scorer(tiny).predict_proba(pd.DataFrame({"text": TEXTS})))


def test_a_folder_without_a_vocabulary_is_rejected(tiny, tmp_path):
    import shutil

    shutil.copy(tiny["config_dir"] / "config.json", tmp_path / "config.json")
    with pytest.raises(dc.CheckpointError, match="tokenizer"):
        DetoxifyScorer(checkpoint=str(tiny["ckpt"]), config_dir=str(tmp_path)).load()


def test_bad_options_are_config_errors(tiny):
    with pytest.raises(ConfigError, match="engine 'tensorrt'; choose one of: torch, onnx, onnx-int8"):
        _scorer(tiny, engine="tensorrt").load()
    with pytest.raises(ConfigError, match="context 'thread'"):
        _scorer(tiny, context="thread").load()


def test_the_version_names_checkpoint_engine_and_context(tiny):
    base = _scorer(tiny).version
    assert base.startswith("detoxify:tiny@") and base.endswith("/torch/none")
    assert _scorer(tiny).version == base
    assert _scorer(tiny, context="pair").version != base


def test_the_scorer_is_registered_and_clones_without_its_model(tiny):
    import pickle

    from sklearn.base import clone

    from modkit.registry import scorers

    assert scorers.get("detoxify") is DetoxifyScorer
    scorer = _scorer(tiny)
    scorer.load()
    twin = clone(scorer)
    assert twin.get_params() == scorer.get_params() and "_runtime_" not in twin.__dict__
    pickle.dumps(scorer)
    assert "_runtime_" in scorer.__dict__  # pickling leaves the original's model in place


#: A forked worker scores eight short texts in well under a second; this bounds a deadlock.
FORK_DEADLINE_S = 60


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_worker_reuses_the_loaded_model_and_does_not_deadlock(tiny):
    import pickle
    import time

    frame = pd.DataFrame({"text": TEXTS})
    scorer = _scorer(tiny)
    expected = scorer.predict_proba(frame).to_numpy()  # torch's thread pool is now in use
    assert pickle.loads(pickle.dumps(scorer))._runtime() is scorer._runtime()  # no reload
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: what modkit.score's process pool does with a pickled scorer
        try:
            os.close(read_end)
            got = pickle.loads(pickle.dumps(scorer)).predict_proba(frame).to_numpy()
            os.write(write_end, pickle.dumps(got))
        finally:
            os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + FORK_DEADLINE_S
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked worker deadlocked")
        time.sleep(0.05)
    with os.fdopen(read_end, "rb") as f:
        got = pickle.loads(f.read())
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_without_the_extra_the_backend_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(dc.MissingExtraError, match=r"pip install 'modkit\[detoxify\]'"):
        DetoxifyScorer(checkpoint="whatever.ckpt").load()


REAL = os.environ.get("MODKIT_DETOXIFY_CHECKPOINT")


@pytest.mark.skipif(not REAL, reason="MODKIT_DETOXIFY_CHECKPOINT not set")
def test_a_real_checkpoint_ranks_an_insult_above_a_greeting():
    pytest.importorskip("torch")
    scorer = DetoxifyScorer(checkpoint=REAL, config_dir=os.environ.get("MODKIT_DETOXIFY_CONFIG_DIR"))
    out = scorer.predict_proba(pd.DataFrame({"text": ["Thank you, have a lovely day!",
                                                      "You are a stupid worthless idiot."]}))
    assert out["toxicity"].iloc[1] > out["toxicity"].iloc[0] + 0.3
    assert all(math.isfinite(v) for v in out.to_numpy().ravel())
