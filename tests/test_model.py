"""The data model: stable ids, forest invariants, tree helpers and the builder's repairs."""

from __future__ import annotations

import pytest

from modkit.errors import SchemaError
from modkit.model import (
    FLAG_ORPHAN,
    Comment,
    Coverage,
    ancestors,
    make_comment_id,
    root_to_leaf_paths,
    subtree,
    validate_forest,
)
from modkit.parse import RawPost, build_thread


def _build(posts, by="parent", coverage=None):
    return build_thread(platform="test", source="x/page.html", title="T", article="",
                        posts=posts, coverage=coverage, by=by)


def test_comment_ids_ignore_case_and_spacing_of_the_text():
    assert make_comment_id("t", path=(1,), text="Hello  World") == make_comment_id("t", path=(1,), text="hello world")


def test_comment_ids_differ_by_path_and_thread():
    a = make_comment_id("t", path=(0,), text="x")
    assert a != make_comment_id("t", path=(1,), text="x")
    assert a != make_comment_id("u", path=(0,), text="x")


def test_platform_id_alone_decides_the_comment_id():
    assert make_comment_id("t", "t1_a", path=(0,), text="x") == make_comment_id("t", "t1_a", path=(5,), text="y")


def test_appending_a_comment_keeps_the_old_ids(one_thread):
    before = _build([RawPost(p.text, depth=0 if p.parent_key is None else 1) for p in one_thread], by="depth")
    more = [RawPost(p.text, depth=0 if p.parent_key is None else 1) for p in one_thread]
    more.insert(2, RawPost("late reply", depth=1))
    after = _build(more, by="depth")
    old = {c.text: c.comment_id for c in before.comments}
    new = {c.text: c.comment_id for c in after.comments}
    assert all(new[text] == cid for text, cid in old.items())


def test_thread_id_depends_on_file_name_not_folder():
    a = build_thread(platform="p", source="/a/page.html", title="T", article="", posts=[])
    b = build_thread(platform="p", source="/b/page.html", title="T", article="", posts=[])
    c = build_thread(platform="p", source="/b/other.html", title="T", article="", posts=[])
    assert a.thread_id == b.thread_id != c.thread_id


def test_builder_keeps_replies_under_their_parent(one_thread):
    t = _build(one_thread)
    assert [(c.text, c.depth) for c in t.comments] == [("root one", 0), ("reply to one", 1), ("root two", 0)]
    assert t.comments[1].parent_id == t.comments[0].comment_id
    validate_forest(t.comments)


def test_builder_orders_children_after_parents_even_when_page_does_not():
    t = _build([RawPost("child", key="2", parent_key="1"), RawPost("parent", key="1")])
    assert [c.text for c in t.comments] == ["parent", "child"]
    assert [c.position for c in t.comments] == [0, 1]


def test_builder_marks_orphans_and_reports_them(orphan_reply):
    t = _build(orphan_reply)
    orphan = t.comments[1]
    assert orphan.parent_id is None and orphan.depth == 0 and FLAG_ORPHAN in orphan.flags
    assert t.coverage.orphans == [orphan.comment_id]
    assert t.coverage_warnings() == ["1 orphan whose parent is absent"]


def test_builder_breaks_cycles():
    t = _build([RawPost("a", key="1", parent_key="2"), RawPost("b", key="2", parent_key="1"),
                RawPost("self", key="3", parent_key="3")])
    validate_forest(t.comments)
    assert t.n_comments == 3
    assert sum(c.parent_id is None for c in t.comments) == 2


def test_builder_drops_duplicated_markup_of_the_same_post():
    t = _build([RawPost("a", key="1", platform_id="1"), RawPost("a again", key="1", platform_id="1")])
    assert [c.text for c in t.comments] == ["a"]


def test_builder_clamps_depth_jumps():
    t = _build([RawPost("a", depth=0), RawPost("b", depth=3), RawPost("c", depth=1)], by="depth")
    assert [c.depth for c in t.comments] == [0, 1, 1]
    assert t.comments[2].parent_id == t.comments[0].comment_id


def test_builder_maps_truncated_branches_to_comment_ids(one_thread):
    cov = Coverage(truncated={"1": 4, None: -1})
    t = _build(one_thread, coverage=cov)
    assert t.coverage.truncated == {t.comments[0].comment_id: 4, None: -1}
    assert t.coverage_warnings() == ["2 truncated 'load more' branches (4 replies)"]


def test_builder_resolves_quotes_to_comment_ids():
    t = _build([RawPost("a", key="1"), RawPost("b", key="2", parent_key="1", quotes=("1", "404"))])
    assert t.comments[1].quotes == (t.comments[0].comment_id,)


def test_validate_forest_rejects_wrong_depth():
    cs = [Comment("a", "t", None, 0, 0, None, None, ""), Comment("b", "t", "a", 2, 1, None, None, "")]
    with pytest.raises(SchemaError, match="depth 2"):
        validate_forest(cs)


def test_validate_forest_rejects_duplicate_ids():
    cs = [Comment("a", "t", None, 0, 0, None, None, ""), Comment("a", "t", None, 0, 1, None, None, "")]
    with pytest.raises(SchemaError, match="duplicate"):
        validate_forest(cs)


def test_tree_helpers_on_a_deep_thread(deep_thread):
    t = _build(deep_thread)
    leaf = next(c for c in t.comments if c.text == "level 4")
    assert [c.text for c in ancestors(t.comments, leaf.comment_id)] == ["level 3", "level 2", "level 1", "level 0"]
    paths = [[c.text for c in p] for p in root_to_leaf_paths(t.comments)]
    assert paths == [["level 0", "level 1", "level 2", "level 3", "level 4"], ["level 0", "sibling at 1"]]
    sub = subtree(t.comments, t.comments[1].comment_id)
    assert [c.text for c in sub] == ["level 1", "level 2", "level 3", "level 4"]
