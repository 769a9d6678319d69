"""scikit-learn's estimator contract, for modkit's text classifiers, where it applies.

`sklearn.utils.estimator_checks.check_estimator` generates numeric arrays, which
text models cannot read; so the checks that need no data run as scikit-learn
wrote them, and the ones that fit are restated here on small text tables
(fit returns self, ``classes_``, ``predict_proba`` n x 2 summing to 1, ``predict``
within ``classes_``, order invariance, parameters left as set, clones refit alike).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks as sk

from modkit.score.conspiracy_model import ConspiracyModel
from modkit.train.lite import LiteToxicityClassifier, ProfanityCheckReference, ToxBlockReference

WORDS = ["idiot", "moron", "clown", "loser", "fool"]


def _estimators():
    return [
        ConspiracyModel(stack_folds=2),
        LiteToxicityClassifier(context=False, char_bits=12, inner_folds=2, epochs=5, toxblock=False),
        LiteToxicityClassifier(context=True, char_bits=12, inner_folds=2, epochs=5, toxblock=True),
        ProfanityCheckReference(),
        ToxBlockReference(),
    ]


IDS = ["conspiracy", "lite", "lite_context_toxblock", "apc", "toxblock"]


def _data(n: int = 60) -> tuple[pd.DataFrame, np.ndarray]:
    y = np.array([i % 2 for i in range(n)])
    text = [f"you are a {WORDS[i % 5]}, the deep state planned it {i}" if y[i] else f"thanks for the recipe {i}"
            for i in range(n)]
    return pd.DataFrame({"text": text, "parent_text": [f"a question {i}" for i in range(n)],
                         "group": [f"t{i // 4}" for i in range(n)]}), y


# --- scikit-learn's own checks that need no data --------------------------------------------
NO_DATA_CHECKS = [sk.check_estimator_cloneable, sk.check_estimator_repr, sk.check_no_attributes_set_in_init,
                  sk.check_parameters_default_constructible, sk.check_get_params_invariance, sk.check_set_params,
                  sk.check_do_not_raise_errors_in_init_or_set_params, sk.check_estimator_tags_renamed]


@pytest.mark.parametrize("check", NO_DATA_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("estimator", _estimators(), ids=IDS)
def test_sklearn_checks_that_need_no_data(estimator, check):
    check(type(estimator).__name__, estimator)


# --- the fitting contract, restated on text -------------------------------------------------
@pytest.mark.parametrize("estimator", _estimators(), ids=IDS)
def test_fit_predict_contract_on_text(estimator):
    X, y = _data()
    params = estimator.get_params()
    fitted = estimator.fit(X, y)
    assert fitted is estimator  # check_fit_returns_self
    assert {k: repr(v) for k, v in estimator.get_params().items()} == {k: repr(v) for k, v in params.items()}
    assert list(estimator.classes_) == [0, 1]
    proba = estimator.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.all((proba >= 0) & (proba <= 1)) and np.allclose(proba.sum(axis=1), 1.0)
    pred = estimator.predict(X)
    assert pred.shape == (len(X),) and set(np.unique(pred)) <= set(estimator.classes_)
    # check_methods_sample_order_invariance
    order = np.random.default_rng(0).permutation(len(X))
    assert np.allclose(estimator.predict_proba(X.iloc[order].reset_index(drop=True)), proba[order])
    # check_methods_subset_invariance: one row scores as it does in a batch
    assert np.allclose(estimator.predict_proba(X.iloc[[3]].reset_index(drop=True)), proba[[3]])


@pytest.mark.parametrize("estimator", _estimators()[:3], ids=IDS[:3])
def test_a_clone_is_unfitted_and_refits_to_the_same_scores(estimator):
    X, y = _data()
    first = estimator.fit(X, y).predict_proba(X)
    twin = clone(estimator)
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(twin))
    assert np.allclose(twin.fit(X, y).predict_proba(X), first)


def test_the_trained_model_wrapper_answers_like_a_classifier(tmp_path):
    import modkit

    X, y = _data(40)
    trained, _ = modkit.train(X.assign(toxic=y), "toxicity", ("text",), n_folds=2, n_boot=0, group_column="group")
    assert list(trained.classes_) == [0, 1]
    for data in (X, X["text"], X["text"].tolist()):
        proba = trained.predict_proba(data)
        assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1.0)
        assert set(np.unique(trained.predict(data))) <= {0, 1}
    assert trained.predict_proba([]).shape == (0, 2)
    reloaded = modkit.load_trained_model(trained.save(tmp_path / "m.skops"))
    assert np.allclose(reloaded.predict_proba(X), trained.predict_proba(X))
