"""Shared fixtures: tiny hand-built threads, paths to the seeds and shared data, thread lookups."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from modkit.model import Comment, Thread, make_comment_id
from modkit.parse import RawPost

os.environ.setdefault("MODKIT_NO_PLUGINS", "1")  # results must not depend on installed plug-ins
# Nor on the user's cache: a MiniLM built there by its recipe would switch `auto` scoring to the cascade.
if "MODKIT_CACHE_DIR" not in os.environ:
    os.environ["MODKIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="modkit-test-cache-")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ASSETS = Path(__file__).resolve().parent / "assets"
SHARED = ROOT.parent / "shared" / "datasets"

needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/datasets not present")


def cid(thread: Thread, key: str) -> str:
    """The comment id the builder gives the post the page keys ``key`` (its platform id)."""
    return make_comment_id(thread.thread_id, key)


def by_key(thread: Thread, key: str) -> Comment:
    """The comment of ``thread`` that the page keys ``key``."""
    return next(c for c in thread.comments if c.comment_id == cid(thread, key))


def shape(thread: Thread) -> list[tuple[str | None, int, str | None]]:
    """(author, depth, parent's author) per comment, in the builder's order."""
    by_id = {c.comment_id: c for c in thread.comments}
    return [(c.author, c.depth, by_id[c.parent_id].author if c.parent_id else None) for c in thread.comments]


@pytest.fixture
def one_thread() -> list[RawPost]:
    """Three posts: a root, its reply, and a second root."""
    return [RawPost("root one", author="ann", key="1"),
            RawPost("reply to one", author="bob", key="2", parent_key="1"),
            RawPost("root two", author="cy", key="3")]


@pytest.fixture
def deep_thread() -> list[RawPost]:
    """A chain five deep plus a sibling at depth 1."""
    posts = [RawPost("level 0", key="0")]
    posts += [RawPost(f"level {i}", key=str(i), parent_key=str(i - 1)) for i in range(1, 5)]
    posts.append(RawPost("sibling at 1", key="s", parent_key="0"))
    return posts


@pytest.fixture
def orphan_reply() -> list[RawPost]:
    """A reply whose parent is not on the page."""
    return [RawPost("root", key="1"), RawPost("orphan", key="2", parent_key="missing")]
