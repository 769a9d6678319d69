"""The ranked index as a rich table for the terminal (the CLI prints it; nothing here prints)."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from modkit.console import escape
from modkit.report.present import score

#: Terminal colour per risk level (rich style names).
LEVEL_STYLES = {"urgent": "bold red", "intervene": "bold dark_orange", "watch": "bold blue", "none": "dim",
                "unscored": "dim italic"}


def index_table(index: pd.DataFrame, top: int = 20) -> Table:
    """The first ``top`` rows of the index returned by :func:`modkit.report.report`.

    Every value from the data (titles, reasons, actions) is escaped before rich sees it.

    Examples
    --------
    >>> df = pd.DataFrame([{"rank": 1, "level": "watch", "title": "[b]T[/b]", "thread_id": "t",
    ...                     "reasons": ["toxic_reply"], "n_replies": 2, "n_toxic": 1, "peak_toxicity": 0.6,
    ...                     "top_action": None, "html": "threads/t.html", "md": None}])
    >>> index_table(df).row_count
    1
    """
    shown = index.head(top) if top > 0 else index.iloc[0:0]
    table = Table(title=f"threads by risk ({len(shown)} of {len(index)})", title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("risk", no_wrap=True)
    table.add_column("thread", max_width=46, overflow="ellipsis")
    table.add_column("why", max_width=40)
    for col in ("replies", "toxic", "peak"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("first action", max_width=34)
    table.add_column("report", overflow="fold")
    for r in shown.to_dict("records"):
        level = str(r["level"])
        path = r.get("html") or r.get("md") or r.get("json")
        table.add_row(str(r["rank"]), f"[{LEVEL_STYLES.get(level, '')}]{level}[/]",
                      escape(str(r["title"] or r["thread_id"])), escape(", ".join(r["reasons"]) or "-"),
                      str(r["n_replies"]), str(r["n_toxic"]), score(r["peak_toxicity"]),
                      escape(r["top_action"] or "-"), escape(path) if isinstance(path, str) else "-")
    return table
