"""Recipe: convert tox-block's Keras BiLSTM into ``modkit/score/models/toxblock.npz`` and check the port.

Run from the repository root (``make models`` runs it first)::

    python -m modkit.train.recipes.toxblock_port [--out PATH] [--check N]

Needs the recipe's own environment, never modkit's runtime: ``h5py``,
``tensorflow-cpu`` (Keras 3) and ``tox-block==0.1.2`` installed without its
dependencies (it pins the full ``tensorflow``); ``make models`` sets that up in
``.venv-toxblock``.

1. The weights come from the package's ``lstm_model_0.1.2.h5`` through h5py.
2. The vocabulary comes from its ``encoder_0.1.2.pkl`` (a joblib pickle of a
   Keras ``Tokenizer``), read by an unpickler that admits only the few types the
   file holds: only the 19,999 words the model can see are kept.
3. The check builds the same network in TensorFlow/Keras (Keras 2.2's
   ``hard_sigmoid`` gates given explicitly, since Keras 3 changed that
   function), feeds it the package's own token sequences for ``N`` texts (the
   shared data's replies when present, plus built-in sentences), and fails
   unless modkit's NumPy port agrees to 1e-5 on every output.
"""

from __future__ import annotations

import argparse
import io
import json
import pickle
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from modkit.score.toxblock import CLASSES, DEFAULT_PATH, KERAS_FILTERS, ToxBlock

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "datasets" / "toxicity"
TOLERANCE = 1e-5
#: Keras' outputs for :data:`SENTENCES`, kept for the test that checks the port without TensorFlow.
REFERENCE = ROOT / "tests" / "reference" / "toxblock_keras_reference.json"
#: Sentences checked even without the shared data: short, long, empty, odd characters.
SENTENCES = ["you are a stupid idiot", "thanks for fixing the citation", "", "I will find where you live.",
             "go back to your country", "he lost his shit when i tried to take him outside",
             "Ünïcödé\u00a0words\r\nand\ttabs!!!", "word " * 250, "@#$%^&*()", "fuck"]


class _Tokenizer:
    """Stands in for ``keras_preprocessing.text.Tokenizer``: keeps the pickled attributes."""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _TokenSequencer(_Tokenizer):
    """Stands in for ``tox_block.data_processing.preprocessors.TokenSequencer``."""


class _Unpickler(pickle.Unpickler):
    """Builds only the types tox-block's encoder file holds; anything else is refused."""

    ALLOWED = {("collections", "OrderedDict"), ("collections", "defaultdict"), ("builtins", "int"),
               ("builtins", "dict"), ("builtins", "list")}

    def find_class(self, module: str, name: str):
        if (module, name) == ("keras_preprocessing.text", "Tokenizer"):
            return _Tokenizer
        if name == "TokenSequencer" and module.startswith("tox_block."):
            return _TokenSequencer
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name} in tox-block's encoder file")


def package_files() -> tuple[Path, Path]:
    """The installed package's model and encoder files."""
    import importlib.util

    spec = importlib.util.find_spec("tox_block")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("tox-block is not installed: pip install --no-deps tox-block==0.1.2")
    models = Path(next(iter(spec.submodule_search_locations))) / "trained_models"
    return models / "lstm_model_0.1.2.h5", models / "encoder_0.1.2.pkl"


def read_tokenizer(path: Path):
    """The package's pickled ``TokenSequencer`` (its Keras tokenizer and sequence length)."""
    return _Unpickler(io.BytesIO(path.read_bytes())).load()


def read_vocabulary(path: Path) -> tuple[list[str], int, int]:
    """The words of indices 1..num_words-1, num_words, and the sequence length."""
    sequencer = read_tokenizer(path)
    tok = sequencer.tokenizer
    if tok.filters != KERAS_FILTERS or not tok.lower or tok.split != " " or tok.char_level or tok.oov_token:
        raise SystemExit("tox-block's tokenizer settings differ from the ones modkit reproduces")
    by_index = {i: w for w, i in tok.word_index.items() if i < tok.num_words}
    return [by_index[i] for i in range(1, tok.num_words)], tok.num_words, sequencer.max_sequence_length


def read_weights(path: Path) -> dict[str, np.ndarray]:
    """The network's arrays from the Keras h5 file, named as :class:`ToxBlock` expects."""
    import h5py

    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        lstm = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Bidirectional")
        if lstm["config"]["layer"]["config"]["recurrent_activation"] != "hard_sigmoid":
            raise SystemExit("expected Keras 2's hard_sigmoid recurrent activation")
        w = f["model_weights"]
        bi = w["bidirectional"]["bidirectional"]
        out = {"embedding": w["embedding"]["embedding"]["embeddings:0"][()]}
        for d, name in (("fw", "forward_lstm"), ("bw", "backward_lstm")):
            out |= {f"{d}_kernel": bi[name]["kernel:0"][()], f"{d}_recurrent": bi[name]["recurrent_kernel:0"][()],
                    f"{d}_bias": bi[name]["bias:0"][()]}
        out |= {"dense1_w": w["dense"]["dense"]["kernel:0"][()], "dense1_b": w["dense"]["dense"]["bias:0"][()],
                "dense2_w": w["dense_1"]["dense_1"]["kernel:0"][()], "dense2_b": w["dense_1"]["dense_1"]["bias:0"][()]}
    return out


def keras_sequences(encoder: Path, texts: list[str]) -> np.ndarray:
    """The package's token sequences, by Keras' own (legacy) tokenizer and padding."""
    from keras.src.legacy.preprocessing.text import Tokenizer
    from keras.utils import pad_sequences

    pickled = read_tokenizer(encoder)
    tok = Tokenizer(num_words=pickled.tokenizer.num_words)
    tok.word_index = dict(pickled.tokenizer.word_index)
    return pad_sequences(tok.texts_to_sequences(texts), maxlen=pickled.max_sequence_length)


def keras_outputs(arrays: dict[str, np.ndarray], sequences: np.ndarray) -> np.ndarray:
    """The same network built in TensorFlow/Keras, fed the package's own padded sequences."""
    import keras
    import tensorflow as tf

    @keras.saving.register_keras_serializable(package="modkit")
    def keras2_hard_sigmoid(x):
        return tf.clip_by_value(0.2 * x + 0.5, 0.0, 1.0)

    units = arrays["fw_recurrent"].shape[0]
    inp = keras.Input(shape=(sequences.shape[1],))
    x = keras.layers.Embedding(*arrays["embedding"].shape, name="embedding")(inp)
    x = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True,
                                                     recurrent_activation=keras2_hard_sigmoid), name="bi")(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    x = keras.layers.Dense(arrays["dense1_w"].shape[1], activation="relu", name="dense1")(x)
    out = keras.layers.Dense(len(CLASSES), activation="sigmoid", name="dense2")(x)
    model = keras.Model(inp, out)
    model.get_layer("embedding").set_weights([arrays["embedding"]])
    model.get_layer("bi").set_weights([arrays["fw_kernel"], arrays["fw_recurrent"], arrays["fw_bias"],
                                       arrays["bw_kernel"], arrays["bw_recurrent"], arrays["bw_bias"]])
    model.get_layer("dense1").set_weights([arrays["dense1_w"], arrays["dense1_b"]])
    model.get_layer("dense2").set_weights([arrays["dense2_w"], arrays["dense2_b"]])
    return model.predict(sequences, batch_size=256, verbose=0)


def check_texts(n: int) -> list[str]:
    """``n`` replies from the shared data (when present), plus :data:`SENTENCES`."""
    texts = list(SENTENCES)
    path = DATA / "wiki_talk_context" / "gc_dev.csv"
    if path.exists() and n:
        import pandas as pd

        frame = pd.concat([pd.read_csv(path), pd.read_csv(DATA / "toxichat_reddit" / "turns.csv")])
        texts += frame["text"].fillna("").astype(str).sample(n=min(n, len(frame)), random_state=0).tolist()
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modkit.train.recipes.toxblock_port", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", type=int, default=3000, help="texts from the shared data checked against Keras")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    h5, pkl = package_files()
    vocab, num_words, max_len = read_vocabulary(pkl)
    arrays = read_weights(h5)
    if arrays["embedding"].shape[0] != num_words:
        raise SystemExit(f"embedding has {arrays['embedding'].shape[0]} rows, tokenizer {num_words} words")
    arrays |= {"vocab": np.array(vocab), "max_len": np.array(max_len)}
    port = ToxBlock(arrays)
    texts = check_texts(args.check)
    seqs = keras_sequences(pkl, texts)
    mismatched = sum(list(row[row > 0]) != port.tokens(t) for row, t in zip(seqs, texts))
    if mismatched:
        print(f"{mismatched} texts tokenised differently from Keras", file=sys.stderr)
        return 1
    reference = keras_outputs(arrays, seqs)
    ours = port.predict(texts)
    worst = float(np.abs(reference - ours).max())
    print(json.dumps({"texts": len(texts), "max_abs_difference": worst, "tolerance": TOLERANCE}))
    if worst > TOLERANCE:
        print(f"port differs from Keras by {worst:.2e} > {TOLERANCE:g}", file=sys.stderr)
        return 1
    REFERENCE.write_text(json.dumps({"source": "Keras outputs written by python -m modkit.train.recipes.toxblock_port",
                                     "texts": SENTENCES, "outputs": reference[:len(SENTENCES)].round(7).tolist()},
                                    indent=1) + "\n", encoding="utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(args.out)
    with zipfile.ZipFile(args.out) as z:
        names = z.namelist()
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size, "arrays": len(names),
                      "seconds": round(time.perf_counter() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
