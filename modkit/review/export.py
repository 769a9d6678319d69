"""Training-ready exports of the label store, with a dataset card.

One row per item with its final labels (adjudicated, else the reviewers'
majority), annotator count and agreement, the reply's text and its parent's
text. A train/dev/test split is grouped by thread so no thread leaks across
splits. Authors are pseudonymised with a salted hash unless asked otherwise.
Labels whose item disappeared from the scored table, or whose text changed since
it was labelled, are reported (and left out of the rows), never silently dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from modkit.model import COMMENT_ID, PARENT_ID, THREAD_ID
from modkit.review.agreement import agreement_table
from modkit.review.labels import LABELS, LabelState, answer_of
from modkit.review.queue import check_scored
from modkit.review.store import text_hash

#: Target shares of items per split; threads are assigned whole, greedily, to approach them.
SPLIT_SHARES = {"train": 0.8, "dev": 0.1, "test": 0.1}


@dataclass
class Reconciliation:
    """Labels that no longer match the scored table."""

    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        if self.missing:
            out.append(f"{len(self.missing)} labelled items are not in the scored table (first: {self.missing[0]})")
        if self.changed:
            out.append(f"{len(self.changed)} labelled items changed text since labelling (first: {self.changed[0]})")
        return out


def reconcile(state: LabelState, scored: pd.DataFrame) -> Reconciliation:
    """Find labels whose item is gone or whose text hash no longer matches.

    Examples
    --------
    >>> from modkit.review.store import Event
    >>> from modkit.review.labels import derive
    >>> st = derive([Event("a", text_hash("old"), "ann", "label", {"toxic": True}, event_id=1)])
    >>> reconcile(st, pd.DataFrame({"comment_id": ["a"], "text": ["new"]})).changed
    ['a']
    """
    texts = dict(zip(scored[COMMENT_ID], scored["text"].fillna(""), strict=True))
    rec = Reconciliation()
    for (item, _), ev in sorted(state.decisions.items()):
        if item not in texts:
            if item not in rec.missing:
                rec.missing.append(item)
        elif ev.text_hash and ev.text_hash != text_hash(str(texts[item])) and item not in rec.changed:
            rec.changed.append(item)
    return rec


def pseudonym(author: object, salt: str) -> str | None:
    """A stable salted pseudonym for an author name.

    Examples
    --------
    >>> pseudonym("ann", "s") == pseudonym("ann", "s") != pseudonym("ann", "t")
    True
    >>> pseudonym(None, "s") is None
    True
    """
    if not isinstance(author, str) or not author:
        return None
    return "author_" + hashlib.blake2b(author.encode("utf-8"), key=salt.encode("utf-8")[:64],
                                       digest_size=6).hexdigest()


def assign_splits(item_threads: pd.Series, seed: str = "modkit") -> dict[str, str]:
    """Assign whole threads to train/dev/test, approaching :data:`SPLIT_SHARES` by item count.

    Threads are taken in a seeded hash order (deterministic, independent of input
    order) and each goes to the split furthest below its target share.

    Examples
    --------
    >>> s = assign_splits(pd.Series(["t1"] * 8 + ["t2"] + ["t3"]))
    >>> sorted(s.values())
    ['dev', 'test', 'train']
    """
    sizes = item_threads.value_counts()
    order = sorted(sizes.index, key=lambda t: hashlib.blake2b(f"{seed}\x1f{t}".encode()).hexdigest())
    order.sort(key=lambda t: -sizes[t])  # big threads first; ties keep the hash order
    total = float(sizes.sum()) or 1.0
    filled = dict.fromkeys(SPLIT_SHARES, 0)
    out: dict[str, str] = {}
    for t in order:
        split = max(SPLIT_SHARES, key=lambda s: SPLIT_SHARES[s] - filled[s] / total)
        out[t] = split
        filled[split] += int(sizes[t])
    return out


def export_rows(state: LabelState, scored: pd.DataFrame, *, keep_authors: bool = False,
                salt: str | None = None, split: str | None = "thread") -> pd.DataFrame:
    """One row per labelled item with final labels, agreement, context and split."""
    check_scored(scored)
    by_id = scored.set_index(COMMENT_ID, drop=False)
    texts = dict(zip(scored[COMMENT_ID], scored["text"], strict=True))
    rec = reconcile(state, scored)
    skip = set(rec.missing) | set(rec.changed)
    votes = state.labels_by_item()
    salt = salt or secrets.token_hex(16)
    rows = []
    for item in sorted(set(votes) | set(state.adjudicated)):
        if item in skip:
            continue
        final = state.final(item)
        if final is None:
            continue  # unresolved disagreement: adjudicate first
        row = by_id.loc[item]
        answers = [answer_of(v) for v in votes.get(item, {}).values()]
        parent = row.get(PARENT_ID)
        author = row.get("author")
        rec_row = {
            "item_id": item,
            "thread_id": row.get(THREAD_ID) if THREAD_ID in by_id.columns else None,
            "text": row["text"],
            "parent_text": texts.get(parent) if isinstance(parent, str) else None,
            "author": (author if isinstance(author, str) else None) if keep_authors else pseudonym(author, salt),
            **{label: int(bool(final.get(label))) for label in LABELS},
            "answer": answer_of(final),
            "n_annotators": len(answers),
            "agreement": (sum(a == answer_of(final) for a in answers) / len(answers)) if answers else float("nan"),
            "adjudicated": item in state.adjudicated,
        }
        rows.append(rec_row)
    df = pd.DataFrame(rows, columns=["item_id", "thread_id", "text", "parent_text", "author", *LABELS,
                                     "answer", "n_annotators", "agreement", "adjudicated"])
    if split == "thread" and len(df):
        threads = df["thread_id"].fillna(df["item_id"])
        df["split"] = threads.map(assign_splits(threads))
    return df


def ratings_by_label(state: LabelState) -> dict[str, dict[str, dict[str, object]]]:
    """Per-label rating tables for :func:`agreement_table` (plus ``overall``: the 4-way answer)."""
    votes = state.labels_by_item()
    out: dict[str, dict[str, dict[str, object]]] = {}
    for label in LABELS:
        out[label] = {item: {r: bool(v.get(label)) for r, v in by.items()} for item, by in votes.items()}
    out["overall"] = {item: {r: answer_of(v) for r, v in by.items()} for item, by in votes.items()}
    return out


def prodigy_records(df: pd.DataFrame) -> list[dict]:
    """Prodigy's multi-label ``choice`` task format, one accepted record per item."""
    options = [{"id": label, "text": label} for label in LABELS]
    out = []
    for r in df.to_dict("records"):
        meta = {k: r[k] for k in ("item_id", "thread_id", "split") if k in r and isinstance(r[k], str)}
        out.append({"text": r["text"], "meta": meta, "options": options,
                    "accept": [label for label in LABELS if r[label]], "answer": "accept",
                    "_view_id": "choice", "parent_text": r["parent_text"],
                    "_input_hash": int(hashlib.blake2b(str(r["text"]).encode(), digest_size=4).hexdigest(), 16),
                    "_task_hash": int(hashlib.blake2b(f"{r['item_id']}".encode(), digest_size=4).hexdigest(), 16)})
    return out


def dataset_card(df: pd.DataFrame, state: LabelState, rec: Reconciliation, guideline_version: str,
                 keep_authors: bool) -> str:
    """A Markdown dataset card: counts, label definitions, agreement, provenance."""
    agree = agreement_table(ratings_by_label(state))
    versions = Counter(ev.guideline_version for ev in state.decisions.values())
    unresolved = len(state.disagreements())
    lines = [
        "# Dataset card: modkit review labels", "",
        f"- items: {len(df)} (one row per reply; final label = adjudicated, else the reviewers' majority)",
        f"- reviewers: {len({who for (_, who) in state.decisions})}; adjudicated items: {int(df['adjudicated'].sum()) if len(df) else 0}; "
        f"unresolved disagreements left out: {unresolved}",
        f"- guideline versions of the decisions: {', '.join(f'{v} ({n})' for v, n in versions.items()) or 'none'}; "
        f"current: {guideline_version}",
        f"- authors: {'kept as on the page' if keep_authors else 'pseudonymised with a salted hash'}",
        "", "## Labels", "",
        "- `toxic`: attacks people rather than arguments (insults aimed at a person, slurs and "
        "dehumanising language, sexual harassment, threats). Merely rude, sarcastic or profane replies are not toxic.",
        "- `conspiracy`: frames events as secretly planned or staged by hidden, hostile actors with "
        "accomplices. Criticism of, or distrust in, governments, media or policy is not.",
        "- See `labels/GUIDELINES.md` for the full definitions and examples.", "",
        "## Counts", "",
    ]
    if len(df):
        counts = df.groupby("split" if "split" in df else lambda _: "all")[list(LABELS)].agg(["sum", "count"])
        lines.append("| split | items | toxic | conspiracy |")
        lines.append("|---|---|---|---|")
        for split_name, r in counts.iterrows():
            lines.append(f"| {split_name} | {int(r[(LABELS[0], 'count')])} | {int(r[('toxic', 'sum')])} | "
                         f"{int(r[('conspiracy', 'sum')])} |")
        if "split" in df:
            lines.append("")
            lines.append("Splits are grouped by thread: no thread appears in two splits.")
    lines += ["", "## Agreement", "", _markdown(agree), ""]
    if rec.lines():
        lines += ["## Labels not exported", "", *[f"- {x}" for x in rec.lines()], ""]
    return "\n".join(lines)


def _markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in df.itertuples(index=False):
        out.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(out)


def store_salt(path: Path) -> str:
    """The salt for pseudonyms: ``MODKIT_AUTHOR_SALT``, else one kept beside the store.

    Keeping it beside the store makes pseudonyms stable across exports; do not
    publish that file if the authors' identities matter.
    """
    env = os.environ.get("MODKIT_AUTHOR_SALT")
    if env:
        return env
    salt_file = path.with_name(path.stem + ".salt")
    if salt_file.exists():
        return salt_file.read_text().strip()
    salt = secrets.token_hex(16)
    salt_file.write_text(salt + "\n")
    return salt


def write_prodigy(df: pd.DataFrame, path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for rec in prodigy_records(df):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path
