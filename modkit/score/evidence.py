"""What a moderator sees highlighted in a scored reply: the spans behind its flags.

The conspiracy scorer stores its cues in the ``conspiracy_cues`` column. Threat
idioms (:mod:`modkit.score.attack_cues`) are found again from the text when a
reply is flagged for ``threat``: the search is fast, and a column of its own
would add nothing the text does not hold.

Examples
--------
>>> row = {"text": "Careful. I know where you live.", "flag_reasons": ["threat"], "conspiracy_cues": []}
>>> [(c["kind"], c["text"]) for c in shown_cues(row)]
[('knows_where_you_live', 'I know where you live')]
"""

from __future__ import annotations

from collections.abc import Mapping

from modkit.model import CONSPIRACY_CUES, FLAG_REASONS, cell_cues, cell_strings
from modkit.score.attack_cues import find_attack_cues


def shown_cues(row: Mapping) -> list[dict]:
    """The cue dicts (``kind``, ``start``, ``end``, ``text``) to highlight in ``row``, by position.

    Conspiracy cues as stored, plus the threat idioms of a reply flagged for ``threat``
    (offsets into ``row["text"]``).

    Examples
    --------
    >>> shown_cues({"text": "I know where you live", "flag_reasons": []})  # not flagged for threat: no span
    []
    """
    cues = cell_cues(row.get(CONSPIRACY_CUES))
    text = row.get("text")
    if "threat" in cell_strings(row.get(FLAG_REASONS)) and isinstance(text, str):
        cues += [{"kind": c.kind, "start": c.start, "end": c.end, "text": c.text} for c in find_attack_cues(text)]
    return sorted(cues, key=_position)


def _position(cue: dict) -> tuple[int, int]:
    try:
        return int(cue["start"]), -int(cue["end"])
    except (KeyError, TypeError, ValueError):
        return 0, 0  # a malformed cue sorts first; the screens skip what they cannot place
