"""modkit: moderation toolkit for comment threads.

Parse saved discussion pages into reply trees, score replies, review them into
labelled datasets, and report which threads need a moderator.

Examples
--------
>>> import modkit
>>> {"disqus_text", "wordpress_text", "forum_text"} <= set(modkit.page_formats.names())
True
"""

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
from modkit.tables import read_comments, threads_to_frame, write_comments

__version__ = "0.1.0"

__all__ = [
    "COMMENT_COLUMNS", "Comment", "ConfigError", "Coverage", "ModkitError", "ParseError", "SchemaError",
    "Thread", "UnknownPluginError", "ancestors", "children", "detect_format", "export_convokit",
    "page_formats", "parse", "parse_file", "parse_text", "parse_threads", "read_comments",
    "root_to_leaf_paths", "subtree", "threads_to_frame", "validate_forest", "write_comments",
]
