"""modkit: moderation toolkit for comment threads.

Parse saved discussion pages into reply trees, score replies, review them into
labelled datasets, train and evaluate classifiers on the labels, and report
which threads need a moderator.

Examples
--------
>>> import modkit
>>> {"disqus_text", "wordpress_text", "forum_text"} <= set(modkit.page_formats.names())
True
>>> import pandas as pd
>>> modkit.score(pd.DataFrame({"text": ["thanks!"]}), conspiracy=None)["flagged"].tolist()
[False]
>>> modkit.score.resolve_scorer("none", "toxicity") is None   # still the stage module too
True
"""

import inspect
import sys
import types

from modkit.errors import ConfigError, ModkitError, ParseError, SchemaError, UnknownPluginError
from modkit.export.convokit import export_convokit
from modkit.model import (
    COMMENT_COLUMNS,
    Comment,
    Coverage,
    Thread,
    ancestors,
    children,
    root_to_leaf_paths,
    subtree,
    validate_forest,
)
from modkit.parse import detect_format, parse, parse_file, parse_text, parse_threads
from modkit.registry import page_formats
from modkit.review import LabelStore, agreement, export_labels, label, load_labels
from modkit.tables import read_comments, read_table, threads_to_frame, write_comments, write_table
from modkit.train import TrainedModel, evaluate, read_training_table
from modkit.train import load as load_trained_model


class _Stage(types.ModuleType):
    """A stage package that is also its verb: ``modkit.score(df)`` calls ``modkit.score.score``.

    Binding the function to the package's name would hide the package from
    ``import modkit.score as stage`` (which resolves through the attribute), so the
    package itself becomes callable instead.
    """

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__name__.rpartition(".")[2])(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        # help(), Jupyter tooltips and IDEs read this: the verb's own parameters, not (*args, **kwargs)
        return inspect.signature(getattr(self, self.__name__.rpartition(".")[2]))


import modkit.report  # noqa: E402, F401  (loaded so it can become callable below)

for _name in ("score", "train", "review", "report"):
    sys.modules[f"{__name__}.{_name}"].__class__ = _Stage
from modkit import report, review, score, train  # noqa: E402  (the callable stage packages)
from modkit.batch import run_batch  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "COMMENT_COLUMNS", "Comment", "ConfigError", "Coverage", "LabelStore", "ModkitError", "ParseError",
    "SchemaError", "Thread", "TrainedModel", "UnknownPluginError", "agreement", "ancestors", "children",
    "detect_format", "evaluate", "export_convokit", "export_labels", "label", "load_labels",
    "load_trained_model", "page_formats", "parse", "parse_file", "parse_text", "parse_threads",
    "read_comments", "read_table", "read_training_table", "report", "review", "root_to_leaf_paths", "run_batch",
    "score", "subtree",
    "threads_to_frame", "train", "validate_forest", "write_comments", "write_table",
]
