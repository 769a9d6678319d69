"""Forum threads dumped as text: the opening post is the first comment, quotes are reply links."""

from __future__ import annotations

import pytest

from modkit.model import Thread
from modkit.parse import parse_file
from modkit.tables import threads_to_frame

from .conftest import ASSETS

HERE = ASSETS / "forum_text"


@pytest.fixture(scope="module")
def library() -> Thread:
    (t,) = parse_file(HERE / "opening_post_quoted.txt")
    return t


def test_forum_text_opening_post_is_the_first_comment_not_the_article(library):
    assert library.platform == "forum_text"
    assert library.title == "Council wants to close the Elm Street library"
    assert library.article == ""
    op = library.comments[0]
    assert (op.parent_id, op.depth, op.position) == (None, 0, 0)
    assert op.text == ("The council plans to close the Elm Street library next spring to save money on the "
                       "building.\n\nThey say the mobile library van will cover the area twice a week.")


def test_forum_text_quoting_the_opening_post_replies_to_it(library):
    op, reply, rejoinder, loner = library.comments
    assert (reply.parent_id, reply.quotes, reply.depth) == (op.comment_id, (op.comment_id,), 1)
    assert reply.text == "That is a terrible idea, the van never has the books people ask for."
    assert (rejoinder.parent_id, rejoinder.depth) == (reply.comment_id, 2)
    assert rejoinder.text == "It had what I needed last month, to be fair."
    # A post that quotes nothing stays at top level, a sibling of the opening post.
    assert (loner.parent_id, loner.depth) == (None, 0)
    assert loner.text.startswith("Who uses a library in 2024 anyway?")


def test_forum_text_opening_post_is_a_row_of_the_comments_table(library):
    df = threads_to_frame([library])
    assert len(df) == 4
    assert df.loc[df["position"] == 0, "text"].item().startswith("The council plans to close")
