"""Threat idioms a bag of words misses: typed spans that set a floor under an attack attribute.

"I know where you live" has no hostile word in it; neither tox-block nor modkit's
n-gram models, trained on data with few threats, read it as one. A handful of
idioms carry most written threats, and they are written here as general patterns:
a first person promising harm to "you", knowing or finding where "you" live,
"watch your back", "you're dead", wishing or urging "your" death.

A pattern alone is not a probability. The recipe
``python -m modkit.train.recipes.attack_cues`` counts, on the labelled replies of
the toxicity data (:func:`~modkit.train.recipes.lite_toxicity.load_sources`, the
measured sources only), how many replies with a cue of an attribute's kinds
annotators called toxic, and writes the share with its 95% Wilson interval to
``models/attack_cues.json``. The kinds of one attribute are measured together:
each is too rare in labelled data to measure alone (the file lists each kind's
own count, some of them zero), and all are the same act, harm promised to the
reader. A cue then sets its attribute to at least the interval's lower end
(:func:`floor_scores`): "at least this likely", never more than the data shows.
An attribute whose lower end is under even odds does not flag on a cue alone.

Examples
--------
>>> [c.text for c in find_attack_cues("Keep talking. I know where you live.")]
['I know where you live']
>>> find_attack_cues("I would never hurt you") + find_attack_cues("you are dead wrong")
[]
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from modkit.score.cues import MAX_SCAN_CHARS

#: The shipped measurement (written by the recipe; read at scoring time).
DEFAULT_PATH = Path(__file__).resolve().parent / "models" / "attack_cues.json"

_I = r"(?:i|we)"
_WILL = r"(?:['’]ll|\s+will|\s+shall|\s+am\s+going\s+to|['’]m\s+going\s+to|['’]m\s+gonna|\s+gonna|\s+are\s+going\s+to)"
_YOU = r"(?:you|u|ya|your\s+(?:family|kids|wife|husband|children|mother|mom))"
_HARM = r"(?:kill|murder|shoot|stab|hurt|strangle|choke|rape|punch|slit|hang|burn|gut|cut)"
#: An adverb may sit between the modal and the verb ("I'll personally kill you"), but not a negator.
_ADVERB = r"(?:\s+(?!not\b|never\b|no\b)[a-z]+ly|\s+just|\s+fucking|\s+literally)?"

#: kind -> (attribute it floors, patterns). Matched case-insensitively on word boundaries.
PATTERNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "promised_harm": ("threat", (
        rf"\b{_I}{_WILL}{_ADVERB}\s+{_HARM}\s+{_YOU}\b",
        # "beat" only when no contest follows ("beat you at chess", "beat you to it")
        rf"\b{_I}{_WILL}{_ADVERB}\s+beat\s+{_YOU}\b(?!\s+(?:at|in|to|by)\b)",
        rf"\b{_I}{_WILL}{_ADVERB}\s+(?:hunt|track)\s+{_YOU}\s+down\b",
        rf"\b{_I}{_WILL}{_ADVERB}\s+come\s+(?:for|after)\s+{_YOU}\b",
    )),
    "knows_where_you_live": ("threat", (
        rf"\b{_I}(?:{_WILL}\s+find(?:\s+out)?|\s+know|\s+found(?:\s+out)?|\s+can\s+find)\s+where\s+"
        r"(?:you|u|your\s+(?:family|kids))\s+(?:live|lives|work|sleep|go\s+to\s+school)\b",
    )),
    "watch_your_back": ("threat", (r"\b(?:better\s+)?watch\s+(?:your|ur|yer)\s+back\b",)),
    "death_to_you": ("threat", (
        r"\b(?:you|u)(?:['’]re|\s+are)\s+(?:so\s+)?(?:dead(?!\s+(?:wrong|right|on|serious|set|tired|last))"
        r"|a\s+dead\s+(?:man|woman)|going\s+to\s+die|gonna\s+die)\b",
        r"\b(?:hope|wish)\s+(?:you|u|ya)\s+(?:die|get\s+(?:cancer|raped|shot|killed|hit\s+by))\b",
        r"\b(?:you|u)\s+(?:should|deserve\s+to|need\s+to|ought\s+to)\s+(?:die|be\s+(?:shot|killed|hanged|hung|raped"
        r"|beaten|lynched))\b",
        # Urged, not described: "How to Skateboard and Not Kill Yourself" is a book title.
        r"(?:^|[.!?,;:]\s*|\b(?:go|just|pls|please|should|now|and)\s+)kill\s+(?:yo)?urself\b|\bkys\b",
    )),
}


@dataclass(frozen=True, slots=True)
class AttackCue:
    """One span: its kind, the attribute it floors, and where it is (``text == source[start:end]``)."""

    kind: str
    attribute: str
    start: int
    end: int
    text: str


_COMPILED = [(kind, attr, re.compile(p, re.IGNORECASE)) for kind, (attr, ps) in PATTERNS.items() for p in ps]
#: Words one of which every match contains: one search that most replies fail, so the patterns run on few.
GATE_WORDS = ("kill", "murder", "shoot", "stab", "hurt", "strangle", "choke", "rape", "punch", "beat", "slit", "hang",
              "burn", "gut", "cut", "hunt", "track", "come", "where", "back", "dead", "die", "shot", "hung",
              "lynched", "kys", "urself")


def _first_letter_alternation(words: Sequence[str]) -> re.Pattern:
    """``\\b(?:k(?:ill|ys)|...)`` over lower-case text: grouping by first letter makes a failed
    position cost one character test, four times faster than a flat alternation."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(re.escape(w[1:]))
    return re.compile(r"\b(?:" + "|".join(f"{c}(?:{'|'.join(rest)})" for c, rest in sorted(groups.items())) + ")")


_GATE = _first_letter_alternation(GATE_WORDS)
#: Every idiom speaks to the reader.
_SECOND_PERSON = re.compile(r"\b(?:you|u|ya|your|ur|yer|yourself|urself|kys)\b")


def find_attack_cues(text: str) -> list[AttackCue]:
    """The threat idioms in ``text``, by position (see the module docstring).

    Examples
    --------
    >>> [(c.kind, c.attribute) for c in find_attack_cues("You'd better watch your back")]
    [('watch_your_back', 'threat')]
    """
    text = text[:MAX_SCAN_CHARS]  # as for conspiracy cues: a 100k-character paste costs what a long reply costs
    low = text.lower()
    if not _GATE.search(low) or not _SECOND_PERSON.search(low):
        return []
    found = [AttackCue(kind, attr, m.start(), m.end(), m.group())
             for kind, attr, rx in _COMPILED for m in rx.finditer(text)]
    return sorted(found, key=lambda c: (c.start, c.kind))


@lru_cache(maxsize=2)
def load_floors(path: str | Path = DEFAULT_PATH) -> dict[str, dict]:
    """The recipe's measurement per attribute: ``n``, ``toxic``, ``share``, ``low``, ``high``, ``kinds``.

    Examples
    --------
    >>> floors = load_floors()
    >>> sorted(floors) == sorted({a for a, _ in PATTERNS.values()})
    True
    >>> all(0 <= f["low"] <= f["share"] <= f["high"] <= 1 for f in floors.values())
    True
    """
    with open(path, encoding="utf-8") as f:
        return json.load(f)["attributes"]


def floor_scores(scores: pd.DataFrame, texts: Sequence[str], rows: Sequence[int] | None = None,
                 floors: dict[str, dict] | None = None) -> pd.DataFrame:
    """``scores`` with each attack attribute raised to its cues' measured floor where a reply has one.

    Only the columns ``scores`` has are touched, and only in ``rows`` (all rows by
    default); a NaN (unscored) stays NaN.

    Examples
    --------
    >>> s = pd.DataFrame({"threat": [0.03, 0.03, float("nan")]})
    >>> floors = {"threat": {"low": 0.7}}
    >>> floor_scores(s, ["watch your back", "nice", "watch your back"], floors=floors)["threat"].tolist()
    [0.7, 0.03, nan]
    """
    floors = load_floors() if floors is None else floors
    out = scores.copy()
    for i in range(len(texts)) if rows is None else rows:
        for cue in find_attack_cues(texts[i]):
            floor = floors.get(cue.attribute)
            if floor is None or cue.attribute not in out.columns:
                continue
            col = out.columns.get_loc(cue.attribute)
            value = out.iat[i, col]
            if not np.isnan(value):
                out.iat[i, col] = max(float(value), float(floor["low"]))
    return out
