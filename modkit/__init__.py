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

import importlib

from modkit.errors import ConfigError, ModkitError, ParseError, SchemaError, UnknownPluginError

#: Where each public name lives. They are imported on first use (PEP 562), so ``import modkit`` and
#: ``modkit --help`` do not pay for pandas and scikit-learn until a function needs them.
_LAZY = {
    "export_convokit": "modkit.export.convokit",
    **dict.fromkeys(("COMMENT_COLUMNS", "Comment", "Coverage", "Thread", "ancestors", "children",
                     "root_to_leaf_paths", "subtree", "validate_forest"), "modkit.model"),
    **dict.fromkeys(("detect_format", "parse_file", "parse_text", "parse_threads"), "modkit.parse"),
    "page_formats": "modkit.registry",
    **dict.fromkeys(("LabelStore", "agreement", "export_labels", "label", "load_labels"), "modkit.review"),
    **dict.fromkeys(("read_comments", "read_table", "threads_to_frame", "write_comments", "write_table"),
                    "modkit.tables"),
    **dict.fromkeys(("TrainedModel", "evaluate", "read_training_table"), "modkit.train"),  # the last: old name
    "load_trained_model": ("modkit.train", "load"),
    "run_batch": "modkit.batch",
}
#: The callable stage packages: ``modkit.score(df)`` calls ``modkit.score.score`` (see modkit._stage).
_STAGES = ("parse", "score", "train", "review", "report")


def __getattr__(name: str):
    if name in _STAGES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in _LAZY:
        module, attr = _LAZY[name] if isinstance(_LAZY[name], tuple) else (_LAZY[name], name)
        value = getattr(importlib.import_module(module), attr)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__version__ = "0.1.0"

__all__ = [
    "COMMENT_COLUMNS", "Comment", "ConfigError", "Coverage", "LabelStore", "ModkitError", "ParseError",
    "SchemaError", "Thread", "TrainedModel", "UnknownPluginError", "agreement", "ancestors", "children",
    "detect_format", "evaluate", "export_convokit", "export_labels", "label", "load_labels",
    "load_trained_model", "page_formats", "parse", "parse_file", "parse_text", "parse_threads",
    "read_comments", "read_table", "report", "review", "root_to_leaf_paths", "run_batch",
    "score", "subtree",
    "threads_to_frame", "train", "validate_forest", "write_comments", "write_table",
]
