"""Stage: training and evaluating classifiers from labels (``modkit train``, ``modkit evaluate``).

:func:`train` cross-validates a model family (:mod:`modkit.train.families`:
``tfidf``, ``conspiracy``, ``lite``) grouped by thread, beside other families on
the same folds when asked, chooses a flag threshold on the out-of-fold scores,
and fits the model on all rows; :func:`evaluate` measures a model (optionally
against another scorer). A saved model is a scorer: ``modkit score --toxicity
model:PATH``. The embedded models are trained by the same function, through the
recipes in :mod:`modkit.train.recipes` (``make models``).
"""

from modkit.train.data import read_training_table
from modkit.train.persist import UntrustedModelError, load_model, save_model
from modkit.train.report import Report
from modkit.train.trainer import TrainedModel, evaluate, load, train

__all__ = ["train", "evaluate", "load", "TrainedModel", "Report", "read_training_table", "save_model",
           "load_model", "UntrustedModelError"]


from modkit._stage import make_callable as _make_callable  # noqa: E402

_make_callable(__name__)
