"""Training tables: a labels export, or any table with a text column and a label column.

:func:`prepare` turns either into one normalised frame with ``text``,
``parent_text`` (empty when there is no context), ``label`` (0/1) and ``group``
(the thread a row belongs to, or ``None`` when the table has no thread column).
The same few options cover the public sets:

============================  =====================================================================
data                          options
============================  =====================================================================
``modkit labels export``      ``target="toxicity"`` or ``"conspiracy"`` (nothing else needed)
``gc_dev.csv``                ``label_column="label", parent_column="parent", group_column="id:."``
``gn.csv``                    ``label_column="label", group_column="id:."``
Davidson ``labeled_data.csv`` ``text_column="tweet", label_column="class", positive=("0", "1")``
PAN ``dev.json``              ``target="conspiracy", label_column="category", positive=("CONSPIRACY",)``
============================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from modkit.errors import ConfigError, SchemaError
from modkit.model import THREAD_ID
from modkit.score.base import PARENT_TEXT_COL, TEXT_COL, texts

#: Targets with a fixed meaning, and the column of a labels export that holds each.
TARGET_COLUMNS = {"toxicity": "toxic", "toxic": "toxic", "conspiracy": "conspiracy"}
#: Label values read as positive / negative in a binary column (CSV tables arrive as strings).
TRUE_VALUES = frozenset({"1", "1.0", "true", "yes"})
FALSE_VALUES = frozenset({"0", "0.0", "false", "no"})
#: Columns of the normalised training frame.
LABEL, GROUP = "label", "group"
#: Column marking auxiliary rows: trained on in every fold, never scored or measured.
AUXILIARY = "auxiliary"


@dataclass(frozen=True)
class Columns:
    """Where the text, context, label and groups are in a table (``None``: use the defaults).

    ``group`` is ``COL`` or ``COL:SEP``; the latter groups by the value before the
    first ``SEP`` (gc_dev's ids are ``page.revision.revision``: ``id:.``).
    """

    text: str = TEXT_COL
    label: str | None = None
    parent: str | None = None
    group: str | None = None
    positive: tuple[str, ...] | None = None


def kind_of(target: str) -> str:
    """The scorer slot a target fills.

    Examples
    --------
    >>> kind_of("conspiracy"), kind_of("toxic"), kind_of("insult")
    ('conspiracy', 'toxicity', 'toxicity')
    """
    return "conspiracy" if target == "conspiracy" else "toxicity"


def attribute_of(target: str) -> str:
    """The score column a model for ``target`` writes (``toxic`` scores as ``toxicity``).

    Examples
    --------
    >>> attribute_of("toxic"), attribute_of("insult")
    ('toxicity', 'insult')
    """
    return "toxicity" if target in ("toxic", "toxicity") else target


def read_training_table(path: str | Path) -> pd.DataFrame:
    """The same as :func:`modkit.read_table` (which reads ``.json`` arrays too); kept for old scripts.

    Examples
    --------
    >>> read_training_table is not None
    True
    """
    from modkit.tables import read_table

    return read_table(path)


def _binary(values: pd.Series, column: str, positive: Iterable[str] | None) -> list[int]:
    """0/1 labels: ``positive`` values are 1; without it the column must already be binary."""
    raw = ["" if v is None or (isinstance(v, float) and v != v) else str(v).strip() for v in values]
    if "" in raw:
        raise SchemaError(f"label column {column!r} has {raw.count('')} empty values; drop or fill them first.")
    if positive is not None:
        pos = {str(p) for p in positive}
        return [int(v in pos) for v in raw]
    low = [v.lower() for v in raw]
    odd = sorted(set(low) - TRUE_VALUES - FALSE_VALUES)
    if odd:
        shown = ", ".join(sorted(set(raw))[:6])
        raise SchemaError(f"label column {column!r} is not binary (values: {shown}); "
                          f"pass --positive with the values that count as positive.")
    return [int(v in TRUE_VALUES) for v in low]


def _groups(df: pd.DataFrame, spec: str | None) -> list[str] | None:
    """Each row's group (thread) from ``COL`` or ``COL:SEP``; ``None`` when there is none."""
    if spec is None:
        return [str(v) for v in df[THREAD_ID]] if THREAD_ID in df.columns and df[THREAD_ID].notna().all() else None
    col, sep, cut = spec.partition(":")
    if col not in df.columns:
        raise SchemaError(f"no group column {col!r}; columns: {', '.join(map(str, df.columns))}.")
    values = [str(v) for v in df[col]]
    return [v.split(cut, 1)[0] for v in values] if sep and cut else values


def prepare(data: pd.DataFrame, target: str, columns: Columns | None = None,
            context: bool = True) -> pd.DataFrame:
    """Normalise a labelled table to ``text``, ``parent_text``, ``label`` (0/1) and ``group``.

    Parameters
    ----------
    data : DataFrame
        A labels export (``modkit labels export``) or any table with a text and a label column.
    target : str
        ``toxicity`` (``toxic``), ``conspiracy``, or any column name. In an export,
        ``toxicity`` reads the ``toxic`` column.
    columns : Columns, optional
        Where the text, label, parent text and groups are, and which label values are positive.
    context : bool
        Keep the parent's text; ``False`` empties ``parent_text``.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["7.1", "7.2", "8.1"], "text": ["a", "b", "c"], "label": ["1", "0", "0"]})
    >>> prepare(df, "toxicity", Columns(label="label", group="id:.")).to_dict("list")
    {'text': ['a', 'b', 'c'], 'parent_text': ['', '', ''], 'label': [1, 0, 0], 'group': ['7', '7', '8']}
    >>> prepare(df, "spam")
    Traceback (most recent call last):
    ...
    modkit.errors.SchemaError: no label column 'spam' for target 'spam'; pass --label-column (columns: id, text, label).
    """
    if not isinstance(data, pd.DataFrame):
        raise SchemaError(f"training data must be a pandas DataFrame, got {type(data).__name__}.")
    if not target:
        raise ConfigError("empty target; use toxicity, conspiracy or a label column name.")
    cols = columns or Columns()
    label_col = cols.label or TARGET_COLUMNS.get(target, target)
    if label_col not in data.columns:
        raise SchemaError(f"no label column {label_col!r} for target {target!r}; pass --label-column "
                          f"(columns: {', '.join(map(str, data.columns))}).")
    if cols.text not in data.columns:
        raise SchemaError(f"no text column {cols.text!r}; pass --text-column "
                          f"(columns: {', '.join(map(str, data.columns))}).")
    parent_col = cols.parent or PARENT_TEXT_COL
    if cols.parent is not None and parent_col not in data.columns:
        raise SchemaError(f"no parent column {parent_col!r} (columns: {', '.join(map(str, data.columns))}).")
    parents = texts(data, parent_col) if context else [""] * len(data)
    return pd.DataFrame({TEXT_COL: texts(data, cols.text), PARENT_TEXT_COL: parents,
                         LABEL: _binary(data[label_col], label_col, cols.positive),
                         GROUP: _groups(data, cols.group)})
