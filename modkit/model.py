"""The data model: threads, comments, stable ids, forest invariants and tree helpers.

A :class:`Thread` is one page's discussion; its :class:`Comment` objects form a
forest (every parent precedes its children, no cycles, ``depth`` is the parent's
depth + 1). Ids are derived from the source and each comment's own identity, never
from a run counter, so labels and scores keyed on them survive re-parsing.

Column names are defined here once; other modules import them.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from modkit.errors import SchemaError

# --- column names ------------------------------------------------------------------
THREAD_ID = "thread_id"
COMMENT_ID = "comment_id"
PARENT_ID = "parent_id"
DEPTH = "depth"
POSITION = "position"
AUTHOR = "author"
TIMESTAMP = "timestamp"
TEXT = "text"
QUOTES = "quotes"
FLAGS = "flags"
SOURCE = "source"
PLATFORM = "platform"
TITLE = "title"
#: The live comment's web address, when the page gives one or its ids and URL make one.
URL = "url"

#: Columns of a comments table, in order: the comment fields plus the thread
#: fields a row needs to stand on its own.
COMMENT_COLUMNS: tuple[str, ...] = (
    THREAD_ID, COMMENT_ID, PARENT_ID, DEPTH, POSITION, AUTHOR, TIMESTAMP, TEXT,
    QUOTES, FLAGS, SOURCE, PLATFORM, TITLE, URL,
)

#: Scores-table columns (written by the score stage, read by review and report).
TOXICITY_ATTRIBUTES: tuple[str, ...] = (
    "toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack", "sexual_explicit",
)  # Detoxify's attribute names, in its order
#: The attributes that are attacks on people, which alone make a reply toxic under the
#: guidelines (labels/GUIDELINES.md); ``toxicity`` and ``obscene`` (swearing) never flag alone.
ATTACK_ATTRIBUTES: tuple[str, ...] = ("severe_toxicity", "threat", "insult", "identity_attack", "sexual_explicit")
CONSPIRACY = "conspiracy"
CONSPIRACY_CUES = "conspiracy_cues"
LANG = "lang"
#: Flag reason of a reply in a language no active scorer reads (its scores are NaN).
UNSUPPORTED_LANGUAGE = "unsupported_language"
FLAGGED = "flagged"
FLAG_REASONS = "flag_reasons"
#: A moderator's final decision on a reply (``toxic``, ``conspiracy``, ``both``, ``fine``), from the label store.
REVIEW = "review"
PARENT_TEXT = "parent_text"

#: Flags a comment may carry.
FLAG_EMPTY = "empty"          # no words of its own (e.g. a removed image)
FLAG_REMOVED = "removed"      # deleted or removed by a moderator ("[removed]", "[deleted]")
FLAG_ORPHAN = "orphan"        # its parent is not on the page; attached at top level
FLAG_OPENING_POST = "opening_post"  # a forum thread's first post (the topic), a comment like the replies
KNOWN_FLAGS = frozenset({FLAG_EMPTY, FLAG_REMOVED, FLAG_ORPHAN, FLAG_OPENING_POST})



def flagging_attributes(attributes: Sequence[str]) -> tuple[str, ...]:
    """The scored attributes that can flag a reply on their own.

    Examples
    --------
    >>> flagging_attributes(["toxicity", "obscene", "insult", "conspiracy"])
    ('insult', 'conspiracy')
    >>> flagging_attributes(["toxicity", "conspiracy"])
    ('toxicity', 'conspiracy')
    """
    attacks = tuple(a for a in attributes if a in ATTACK_ATTRIBUTES)
    toxic = attacks or tuple(a for a in attributes if a == "toxicity")
    others = tuple(a for a in attributes if a not in ATTACK_ATTRIBUTES and a not in ("toxicity", "obscene"))
    return toxic + others

def cell_strings(value: object) -> tuple[str, ...]:
    """A list cell of a table (list, array, ``|``-joined or JSON text) as a tuple of strings.

    Examples
    --------
    >>> cell_strings(["insult"]), cell_strings('["threat"]'), cell_strings("empty|orphan"), cell_strings(None)
    (('insult',), ('threat',), ('empty', 'orphan'), ())
    """
    if isinstance(value, str):
        if value.startswith("["):
            try:
                return tuple(str(x) for x in json.loads(value))
            except ValueError:
                pass
        return tuple(x for x in value.split("|") if x)
    if hasattr(value, "tolist"):
        value = value.tolist()
    return tuple(str(x) for x in value) if isinstance(value, (list, tuple)) else ()


def cell_cues(value: object) -> list[dict]:
    """A ``conspiracy_cues`` cell (list, array or JSON text of cue dicts) as a list of dicts.

    Examples
    --------
    >>> cell_cues('[{"kind": "staged_event", "start": 0, "end": 4, "text": "hoax"}]')[0]["kind"]
    'staged_event'
    >>> cell_cues(None), cell_cues("not json")
    ([], [])
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [dict(c) for c in value if isinstance(c, dict)] if isinstance(value, (list, tuple)) else []


@dataclass(slots=True)
class Comment:
    """One reply in a thread.

    ``url`` is the live comment's web address (http or https only), ``None`` when the
    page gives none and none follows from its ids.

    Examples
    --------
    >>> c = Comment("c1", "t1", None, 0, 0, "ann", None, "Hello")
    >>> c.is_top_level, c.url
    (True, None)
    """

    comment_id: str
    thread_id: str
    parent_id: str | None
    depth: int
    position: int
    author: str | None
    timestamp: str | None
    text: str
    quotes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    url: str | None = None

    @property
    def is_top_level(self) -> bool:
        return self.parent_id is None


@dataclass(slots=True)
class Coverage:
    """What is known to be missing from a parsed thread.

    ``stated_count`` is the comment count the page claims (``None`` when it states
    none); ``truncated`` maps a parent id (``None`` for top level) to the number of
    replies behind a "load more" stub (``-1`` when the stub gives no count);
    ``orphans`` are comments whose parent is absent; ``missing_numbers`` are gaps in
    a numbered comment list.
    """

    stated_count: int | None = None
    truncated: dict[str | None, int] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)
    missing_numbers: list[int] = field(default_factory=list)

    def warnings(self, found: int) -> list[str]:
        """Human-readable coverage warnings for a thread with ``found`` comments.

        Examples
        --------
        >>> Coverage(stated_count=24).warnings(19)
        ['page states 24 comments, 19 found']
        """
        out = []
        if self.stated_count is not None and self.stated_count > found:
            out.append(f"page states {self.stated_count} comments, {found} found")
        if self.truncated:
            known = sum(n for n in self.truncated.values() if n > 0)
            more = f" ({known} replies)" if known else ""
            n = len(self.truncated)
            out.append(f"{n} truncated 'load more' {'branch' if n == 1 else 'branches'}{more}")
        if self.orphans:
            n = len(self.orphans)
            out.append(f"{n} {'orphan' if n == 1 else 'orphans'} whose parent is absent")
        if self.missing_numbers:
            nums = ", ".join(map(str, self.missing_numbers))
            out.append(f"comment numbers missing from the list: {nums}")
        return out

    def to_dict(self) -> dict:
        return {
            "stated_count": self.stated_count,
            "truncated": {("" if k is None else k): v for k, v in self.truncated.items()},
            "orphans": list(self.orphans),
            "missing_numbers": list(self.missing_numbers),
        }


@dataclass(slots=True)
class Thread:
    """One page's discussion: metadata, the article and the comment forest.

    Examples
    --------
    >>> t = Thread("t1", "page.txt", "article_text", "Title", "Body")
    >>> t.n_comments
    0
    """

    thread_id: str
    source: str
    platform: str
    title: str
    article: str = ""
    comments: list[Comment] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)

    @property
    def n_comments(self) -> int:
        return len(self.comments)

    def coverage_warnings(self) -> list[str]:
        return self.coverage.warnings(self.n_comments)


# --- stable ids ----------------------------------------------------------------------
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Normalise text for hashing and comparison: NFKC, casefold, collapsed spaces.

    Examples
    --------
    >>> normalize_text("  Hello\\n  WORLD ")
    'hello world'
    """
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def _digest(*parts: str, size: int = 16) -> str:
    h = hashlib.blake2b(digest_size=size // 2)
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def make_thread_id(platform: str, identity: str) -> str:
    """Stable thread id from the platform and the thread's identity.

    The identity is the page's own id or canonical URL when it has one, else the
    file name plus title (see :func:`modkit.parse.base.thread_identity`).

    Examples
    --------
    >>> make_thread_id("reddit_json", "t3_abc") == make_thread_id("reddit_json", "t3_abc")
    True
    """
    return "t_" + _digest(platform, identity)


def make_comment_id(thread_id: str, platform_id: str | None = None, *,
                    path: Sequence[int | str] = (), text: str = "") -> str:
    """Stable comment id.

    With a platform id (Reddit ``t1_…``, WordPress ``comment-123``) the id depends
    on that alone; otherwise on the path of sibling positions from the root plus a
    hash of the normalised text, so appending new comments keeps old ids.

    Examples
    --------
    >>> a = make_comment_id("t_1", path=(0, 2), text="Hi  there")
    >>> a == make_comment_id("t_1", path=(0, 2), text="hi there")
    True
    >>> make_comment_id("t_1", "t1_xyz") != a
    True
    """
    if platform_id:
        return "c_" + _digest(thread_id, "id", platform_id)
    return "c_" + _digest(thread_id, "path", ".".join(map(str, path)), normalize_text(text))


# --- forest checks and tree helpers -----------------------------------------------------
def validate_forest(comments: Sequence[Comment]) -> None:
    """Raise :class:`SchemaError` unless ``comments`` form a valid forest.

    Checks unique ids, parents that precede their children, depth = parent's
    depth + 1 (0 at top level) and positions in order of appearance.

    Examples
    --------
    >>> validate_forest([Comment("a", "t", None, 0, 0, None, None, "x"),
    ...                  Comment("b", "t", "a", 1, 1, None, None, "y")])
    >>> validate_forest([Comment("b", "t", "a", 1, 0, None, None, "y")])
    Traceback (most recent call last):
    ...
    modkit.errors.SchemaError: comment b: parent a does not precede it
    """
    depth_of: dict[str, int] = {}
    for i, c in enumerate(comments):
        if c.comment_id in depth_of:
            raise SchemaError(f"comment {c.comment_id}: duplicate id")
        if c.position != i:
            raise SchemaError(f"comment {c.comment_id}: position {c.position}, expected {i}")
        if c.parent_id is None:
            if c.depth != 0:
                raise SchemaError(f"comment {c.comment_id}: top level but depth {c.depth}")
        else:
            if c.parent_id not in depth_of:
                raise SchemaError(f"comment {c.comment_id}: parent {c.parent_id} does not precede it")
            if c.depth != depth_of[c.parent_id] + 1:
                raise SchemaError(f"comment {c.comment_id}: depth {c.depth}, parent's is "
                                  f"{depth_of[c.parent_id]}")
        depth_of[c.comment_id] = c.depth


def children(comments: Iterable[Comment]) -> dict[str | None, list[Comment]]:
    """Map each parent id (``None`` for the roots) to its children in page order.

    Examples
    --------
    >>> cs = [Comment("a", "t", None, 0, 0, None, None, ""),
    ...       Comment("b", "t", "a", 1, 1, None, None, "")]
    >>> [c.comment_id for c in children(cs)["a"]]
    ['b']
    """
    out: dict[str | None, list[Comment]] = {}
    for c in comments:
        out.setdefault(c.parent_id, []).append(c)
    return out


def ancestors(comments: Iterable[Comment], comment_id: str) -> list[Comment]:
    """The parent chain of a comment, nearest parent first.

    Examples
    --------
    >>> cs = [Comment("a", "t", None, 0, 0, None, None, ""),
    ...       Comment("b", "t", "a", 1, 1, None, None, ""),
    ...       Comment("c", "t", "b", 2, 2, None, None, "")]
    >>> [c.comment_id for c in ancestors(cs, "c")]
    ['b', 'a']
    """
    by_id = {c.comment_id: c for c in comments}
    out: list[Comment] = []
    cur = by_id.get(comment_id)
    while cur is not None and cur.parent_id is not None:
        cur = by_id.get(cur.parent_id)
        if cur is None:
            break
        out.append(cur)
    return out


def subtree(comments: Iterable[Comment], comment_id: str) -> list[Comment]:
    """A comment and all its descendants, in page order.

    Examples
    --------
    >>> cs = [Comment("a", "t", None, 0, 0, None, None, ""),
    ...       Comment("b", "t", "a", 1, 1, None, None, ""),
    ...       Comment("c", "t", None, 0, 2, None, None, "")]
    >>> [c.comment_id for c in subtree(cs, "a")]
    ['a', 'b']
    """
    inside = {comment_id}
    out = []
    for c in comments:  # parents precede children, so one pass suffices
        if c.comment_id == comment_id or c.parent_id in inside:
            inside.add(c.comment_id)
            out.append(c)
    return out


def root_to_leaf_paths(comments: Sequence[Comment]) -> Iterator[list[Comment]]:
    """Yield every root-to-leaf path of the forest, in page order of the leaves.

    Examples
    --------
    >>> cs = [Comment("a", "t", None, 0, 0, None, None, ""),
    ...       Comment("b", "t", "a", 1, 1, None, None, ""),
    ...       Comment("c", "t", "a", 1, 2, None, None, "")]
    >>> [[c.comment_id for c in p] for p in root_to_leaf_paths(cs)]
    [['a', 'b'], ['a', 'c']]
    """
    kids = children(comments)
    stack: list[tuple[Comment, list[Comment]]] = [(r, [r]) for r in reversed(kids.get(None, []))]
    while stack:
        node, path = stack.pop()
        below = kids.get(node.comment_id)
        if not below:
            yield path
            continue
        stack.extend((k, path + [k]) for k in reversed(below))
