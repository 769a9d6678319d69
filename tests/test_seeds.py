"""What the five seed pages must parse into, pinned after reading each page by hand."""

from __future__ import annotations

import pytest

from modkit.model import FLAG_EMPTY
from modkit.parse import parse_file

from .conftest import SEEDS


def _thread(prefix: str):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    (thread,) = parse_file(path)
    return thread


def _by_text(thread, start: str):
    matches = [c for c in thread.comments if c.text.startswith(start)]
    assert len(matches) == 1, f"{len(matches)} comments start with {start!r}"
    return matches[0]


def _parent(thread, comment):
    return next(c for c in thread.comments if c.comment_id == comment.parent_id)


@pytest.mark.parametrize("prefix", ["000", "002"])
def test_article_only_seeds_have_no_comments(prefix):
    t = _thread(prefix)
    assert t.platform == "article_text"
    assert t.n_comments == 0
    assert t.coverage_warnings() == []


def test_seed_000_update_items_stay_in_the_article():
    t = _thread("000")
    assert t.title == "Iran sends troops and drones to fight ISIS"
    assert "Kerry: Iran has a ‘role to play’ against ISIS" in t.article
    assert "Quds Force commander wounded in Iraq?" in t.article


def test_seed_002_share_widget_is_not_content():
    t = _thread("002")
    assert "Print Friendly" not in t.article
    assert "Facebooktwittermail" not in t.article
    assert t.article.endswith("a reference to the Shiite militias that fight alongside the Iraqi military.")


def test_seed_001_disqus_tree_shape():
    t = _thread("001")
    assert t.platform == "disqus_text"
    assert t.title == "Iran deploys forces in Iraq to fight Sunni militants"
    assert t.n_comments == 79
    top = [c for c in t.comments if c.parent_id is None]
    assert [c.author for c in top] == ["nagy_michael2", "The real lebanese", "5thDrawer", "Alotta Fagina"]
    assert max(c.depth for c in t.comments) == 4
    assert "Alireza Nader, a senior policy analyst at the Rand Corp." in t.article
    assert "Avatar" not in t.article


def test_seed_001_nesting_follows_indentation():
    t = _thread("001")
    arranged = _by_text(t, "ISIL attack is pre arranged by Maliki")
    assert arranged.author == "wargame1" and arranged.depth == 2
    assert _parent(t, arranged).text.startswith("what a strange comment")
    assert _parent(t, _parent(t, arranged)).author == "nagy_michael2"
    santa = _by_text(t, "hi santa u r a little too early")
    assert santa.depth == 4 and _parent(t, santa).text == "i betcha"
    created = _by_text(t, "I think you forgot who created Al Qaeda")
    assert created.depth == 3
    assert _parent(t, created).text.startswith("I think you forgot Iran and Syria funded")


def test_seed_001_anonymous_comments_have_body_on_the_numbered_line():
    t = _thread("001")
    anonymous = [c for c in t.comments if c.author is None]
    assert len(anonymous) == 8
    assert _by_text(t, "I never knew santa was a drunk").author is None
    assert _by_text(t, "lol").author is None


def test_seed_001_repeated_name_line_is_not_body_text():
    t = _thread("001")
    c = _by_text(t, "Actually not upset with Iran for this move.")
    assert c.author == "The real lebanese"
    assert not any(c.text.startswith("The real lebanese") for c in t.comments)


def test_seed_001_removed_images_are_kept_as_empty_comments():
    t = _thread("001")
    empty = [c for c in t.comments if FLAG_EMPTY in c.flags]
    assert [c.author for c in empty] == ["IraniAngel", "Hannibal", "Alotta Fagina", "IraniAngel"]
    assert all(c.text == "" for c in empty)


def test_seed_001_authors():
    t = _thread("001")
    authors = {c.author for c in t.comments if c.author}
    assert len(authors) == 12
    assert {"IraniAngel", "MekensehParty", "man-o-war", "AkhouManUki", "Leborigine"} <= authors


def test_seed_003_wordpress_flat_list_with_stated_count():
    t = _thread("003")
    assert t.platform == "wordpress_text"
    assert t.n_comments == 19
    assert all(c.depth == 0 and c.author is None for c in t.comments)
    assert t.coverage.stated_count == 24
    assert t.coverage_warnings() == ["page states 24 comments, 19 found"]


def test_seed_003_lost_list_number_still_starts_a_comment():
    t = _thread("003")
    third, fourth = t.comments[2], t.comments[3]
    assert third.text.startswith("Muck, then there is the question")
    assert third.text.endswith("I would laugh so hard!!")
    assert fourth.text.startswith("Imam Obama is now rushing advanced weaponry")
    assert t.coverage.missing_numbers == []


def test_seed_003_bodies_keep_their_own_numbered_lists_and_paragraphs():
    t = _thread("003")
    succession = _by_text(t, "Dumping President Teleprompter")
    assert "1. Joe Biden\n2. John Boehner" in succession.text
    assert succession.text.endswith("What a pack of losers. We are doomed.")
    assert t.comments[-1].text.endswith("including Abu Dua in 2009.")
    assert "24 thoughts on" not in t.article


def test_seed_004_forum_posts_split_and_opening_post_is_the_first_comment():
    t = _thread("004")
    assert t.platform == "forum_text"
    assert t.title == "Will Iran Intervene in Iraq?"
    assert t.article == ""
    assert t.n_comments == 11
    op = t.comments[0]
    assert (op.parent_id, op.depth, op.position) == (None, 0, 0)
    assert op.flags == ("opening_post",) and not any("opening_post" in c.flags for c in t.comments[1:])
    assert op.text.startswith("Iran officials call for international response to ISIS violence")
    assert op.text.endswith("Al-Monitor: the Pulse of the Middle East")
    texts = [c.text for c in t.comments]
    assert not any(x in text for text in texts for x in ("What's new", "Top Bottom"))
    assert texts[1].startswith("As I said yesterday") and texts[-1].startswith("Iran and US best friends")


def test_seed_004_quoted_posts_become_reply_links_without_the_quoted_text():
    t = _thread("004")
    times = _by_text(t, "Times is reporting this")
    reply = _by_text(t, "you should also ask your ally assad")
    assert reply.parent_id == times.comment_id and reply.quotes == (times.comment_id,)
    assert "Times is reporting" not in reply.text and reply.depth == 1
    turkish = _by_text(t, "I don't think Iran will send its own troops")
    shrines = _by_text(t, "Iran has interests in Iraq plus shia shrines")
    assert shrines.parent_id == turkish.comment_id
    assert "Turkish friends" not in shrines.text
    assert sum(c.parent_id is not None for c in t.comments) == 2


def test_every_labelled_seed_reply_is_still_a_comment_of_the_seeds():
    """Labels are keyed on comment ids: a parser change must not orphan the decisions already made."""
    import json
    import sqlite3

    ids = {c.comment_id for path in SEEDS.glob("*.txt") for t in parse_file(path) for c in t.comments}
    labels = SEEDS.parent / "labels"
    rows = [json.loads(line) for line in (labels / "seeds.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows and {r["item_id"] for r in rows} <= ids
    # immutable: read the committed file as it is, leaving no -wal/-shm files beside it
    with sqlite3.connect(f"file:{labels / 'labels.sqlite'}?immutable=1", uri=True) as db:
        events = {r[0] for r in db.execute("SELECT item_id FROM events")}
    assert events and events <= ids
