"""When a scored reply is flagged: the guidelines (labels/GUIDELINES.md) as one rule set.

A reply is flagged **toxic** for an attack on people: an attack attribute
(:data:`~modkit.model.ATTACK_ATTRIBUTES`: severe toxicity, threat, insult,
identity attack, sexual harassment) at or over its threshold. ``toxicity`` and
``obscene`` are scored and shown but never flag alone, because swearing that is
aimed at nobody is *fine* under the guidelines, and the public data behind every
toxicity model label swearing toxic.

An ``insult`` must be aimed at someone: it counts when the reply addresses a
person (second person, an ``@name``), or when its insult score is not just its
swearing (``insult >= obscene``: the model reads insult more than obscenity).
"Fucking sick!" and "those comments are so fucking dumb" score high on insult
and obscene alike, address nobody, and stay unflagged; "you're an idiot" and
"shut up, moron" are flagged. When only the address makes the insult count, the
address and the insult must share a sentence (:func:`unaimed_insults`): "God
fucking damnit. ... Any country would be fortunate to have someone like you"
swears in one sentence and praises the reader in another.

A scorer that reports no attack attribute (a model trained with ``modkit train``
on one ``toxicity`` label) flags on ``toxicity``: its labels are the user's own
definition. ``conspiracy`` flags at its threshold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from modkit.model import flagging_attributes

#: Replies longer than this keep an insult flag without the sentence check: re-scoring a pasted
#: book sentence by sentence would cost more than a moderator's look.
MAX_AIM_CHARS = 20_000

#: A sentence: a run of text up to and including its end marks, or a line.
_SENTENCE = re.compile(r"[^.!?\n]*[^.!?\n\s][^.!?\n]*[.!?]*")

#: Words and marks that address a person: second person, or an @name.
_ADDRESS = re.compile(r"(?i)(?:\b(?:you|your|yours|yourself|yourselves|you're|youre|ya|u|ur|thou|thee)\b"
                      r"|(?<!\w)@\w)")


def addresses_someone(text: str) -> bool:
    """Whether a reply speaks to a person (second person or ``@name``).

    Examples
    --------
    >>> addresses_someone("you're an idiot"), addresses_someone("@bob nonsense"), addresses_someone("Fucking sick!")
    (True, True, False)
    """
    return bool(_ADDRESS.search(text))


def flag_reasons(scores: pd.DataFrame, texts: Sequence[str], thresholds: Mapping[str, float]) -> list[list[str]]:
    """Each row's flag reasons: flagging attributes at or over threshold, highest score first.

    Parameters
    ----------
    scores : DataFrame
        One column per scored attribute (NaN where a reply was not scored).
    texts : sequence of str
        The replies, for the insult rule.
    thresholds : mapping
        Threshold of each attribute.

    Examples
    --------
    >>> s = pd.DataFrame({"toxicity": [0.99, 0.99, 0.2], "obscene": [0.95, 0.9, 0.0], "insult": [0.9, 0.8, 0.1]})
    >>> flag_reasons(s, ["Fucking sick!", "you fucking idiot", "nice"], {"toxicity": .5, "obscene": .5, "insult": .5})
    [[], ['insult'], []]
    """
    attrs = [a for a in flagging_attributes(list(scores.columns)) if a in thresholds]
    if not attrs or scores.empty:
        return [[] for _ in range(len(scores))]
    values = scores[attrs].to_numpy(dtype=float)
    over = values >= np.array([thresholds[a] for a in attrs])  # NaN compares False: unscored never flags
    if "insult" in attrs:
        k = attrs.index("insult")
        obscene = scores["obscene"].to_numpy(dtype=float) if "obscene" in scores.columns else np.zeros(len(scores))
        rows = np.flatnonzero(over[:, k])
        aimed = [values[i, k] >= obscene[i] or addresses_someone(texts[i]) for i in rows]
        over[rows[~np.array(aimed, dtype=bool)], k] = False
    out = []
    for row, hit in zip(values, over):
        idx = np.flatnonzero(hit)
        out.append([attrs[i] for i in idx[np.argsort(-row[idx], kind="stable")]])
    return out



def sentences(text: str) -> list[str]:
    """The sentences of a reply (split at ``.``, ``!``, ``?`` and line breaks), stripped.

    Examples
    --------
    >>> sentences("God damnit. You did well!\\nThanks")
    ['God damnit.', 'You did well!', 'Thanks']
    >>> sentences("...")
    []
    """
    return [m.group().strip() for m in _SENTENCE.finditer(text)]


def insult_by_address(scores: pd.DataFrame, texts: Sequence[str], reasons: Sequence[Sequence[str]]) -> list[int]:
    """Rows whose ``insult`` flag rests on the address alone, in a reply of several sentences.

    These are the rows :func:`unaimed_insults` checks sentence by sentence: the insult
    score does not exceed the obscenity score (the model reads swearing), and the
    reply has more than one sentence (and at most :data:`MAX_AIM_CHARS` characters),
    so the swearing and the "you" may be apart.

    Examples
    --------
    >>> s = pd.DataFrame({"insult": [0.6, 0.6, 0.9], "obscene": [0.9, 0.9, 0.2]})
    >>> insult_by_address(s, ["Damn. I hope you win.", "damn you", "Idiot. Go."], [["insult"]] * 3)
    [0]
    """
    if "insult" not in scores.columns:
        return []
    insult = scores["insult"].to_numpy(dtype=float)
    obscene = scores["obscene"].to_numpy(dtype=float) if "obscene" in scores.columns else np.zeros(len(scores))
    return [i for i, r in enumerate(reasons)
            if "insult" in r and insult[i] < obscene[i] and len(texts[i]) <= MAX_AIM_CHARS
            and len(sentences(texts[i])) > 1]


def unaimed_insults(rows: Sequence[int], sentence_reasons: Sequence[Sequence[str]],
                    owners: Sequence[int]) -> set[int]:
    """Rows of ``rows`` none of whose sentences is flagged ``insult`` on its own.

    ``sentence_reasons`` are :func:`flag_reasons` of every sentence of those rows, scored
    alone (with the reply's parent as context); ``owners[k]`` is the row sentence ``k``
    belongs to. An insult is aimed when one sentence both insults and addresses someone
    (or reads as insult more than swearing); a reply that swears in one sentence and
    speaks to the reader kindly in another is not an insult.

    Examples
    --------
    >>> unaimed_insults([3, 7], [[], [], ["insult"], []], [3, 3, 7, 7])
    {3}
    """
    aimed = {owners[k] for k, r in enumerate(sentence_reasons) if "insult" in r}
    return {i for i in rows if i not in aimed}
