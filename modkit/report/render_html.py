"""Self-contained HTML reports: one file per thread and an index, no network, no scripts.

Templates live in ``templates/`` and are rendered by jinja2 with autoescaping on, so
comment text, author names and titles (all untrusted) are always escaped, in text and
in attributes alike. Every page also carries a Content-Security-Policy that allows
no scripts and no network fetches, as a second line of defence. The reply tree is
nested ``<details>`` elements (collapsible with no JavaScript); the charts are
inline SVG built from :mod:`modkit.report.chart`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jinja2

import modkit
from modkit.report.build import ThreadReport
from modkit.report.chart import depth_chart, hue, order_chart
from modkit.report.present import (
    LEVEL_BLURBS,
    REASON_LABELS,
    action_rows,
    attack_label,
    excerpt,
    number,
    reason_groups,
    score,
    who,
)
from modkit.report.tree import Reply


def tone(value: float | None) -> str:
    """CSS custom properties that colour an element by score (hue and saturation).

    Low scores get a pale, nearly neutral tint so calm replies stay quiet.

    Examples
    --------
    >>> tone(0.0), tone(1.0), tone(None)
    ('--h:150;--s:15%', '--h:0;--s:75%', '--h:220;--s:8%')
    """
    if value is None:
        return "--h:220;--s:8%"
    v = min(max(value, 0.0), 1.0)
    return f"--h:{hue(v)};--s:{round(15 + 60 * v)}%"


@dataclass(frozen=True, slots=True)
class TreeItem:
    """One reply in the flattened tree: after it, either its children open (``opens``)
    or ``closes`` enclosing levels end."""

    reply: Reply
    opens: bool
    closes: int


def tree_items(report: ThreadReport) -> list[TreeItem]:
    """The forest as a flat list, so the template nests ``<details>`` without recursion
    (deep threads must not hit jinja's or Python's recursion limits).

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report import thread_reports
    >>> df = pd.DataFrame({"comment_id": ["a", "b", "c"], "parent_id": [None, "a", None],
    ...                    "text": ["x", "y", "z"], "toxicity": [0.1, 0.2, 0.3]})
    >>> [(i.reply.comment_id, i.opens, i.closes) for i in tree_items(thread_reports(df)[0])]
    [('a', True, 0), ('b', False, 1), ('c', False, 0)]
    """
    reps = report.view.replies
    out = []
    for k, r in enumerate(reps):
        nxt = reps[k + 1].depth if k + 1 < len(reps) else 0
        opens = bool(r.children)
        out.append(TreeItem(r, opens, 0 if opens else r.depth - nxt))
    return out


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The jinja2 environment: package templates, autoescape always on, strict undefined."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("modkit.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(score=score, excerpt=excerpt, tone=tone, number=number, who=who, pct=lambda x: f"{x:.0%}",
                       attack_label=attack_label)
    env.globals.update(REASON_LABELS=REASON_LABELS, LEVEL_BLURBS=LEVEL_BLURBS, version=modkit.__version__)
    return env


def render_thread(report: ThreadReport, index_href: str | None = "../index.html") -> str:
    """One thread's report as a self-contained HTML page.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report import thread_reports
    >>> df = pd.DataFrame({"comment_id": ["a"], "author": ["<script>"], "text": ["hi"], "toxicity": [0.9]})
    >>> page = render_thread(thread_reports(df)[0])
    >>> "<script" in page, "&lt;script&gt;" in page
    (False, True)
    """
    reps = report.view.replies
    cited: dict[int, list[str]] = {}
    for reason in report.risk.reasons:
        if reason.code != "many_patterns":
            for cid in reason.evidence:
                cited.setdefault(report.reply(cid).index, []).append(reason.code)
    marks = {report.reply(s.root).index: s for s in report.metrics.subtrees}
    # Per-reply colour and score text, computed once: the tree and ladders use them in
    # their inner loops, where a jinja macro or filter call per reply would dominate.
    look = [(tone(x.tox), score(x.tox)) for x in reps]
    return environment().get_template("thread.html.j2").render(
        r=report, v=report.view, m=report.metrics, cfg=report.config, actions=action_rows(report),
        groups=reason_groups(report),
        tree=tree_items(report),
        cited={k: " · ".join(REASON_LABELS[c] for c in dict.fromkeys(v)) for k, v in cited.items()},
        subtree_marks=marks, charts=[order_chart(report), depth_chart(report)], index_href=index_href,
        reply=report.reply, n_scored=sum(x.tox is not None for x in reps), look=look)


def render_index(rows: list[dict]) -> str:
    """The ranked index as a self-contained HTML page (``rows`` as in the index table).

    Examples
    --------
    >>> row = {"rank": 1, "level": "none", "title": "<i>T</i>", "thread_id": "t", "platform": "p",
    ...        "reasons": [], "n_replies": 1, "n_toxic": 0, "peak_toxicity": 0.1, "top_action": None,
    ...        "md": None, "html": "threads/t.html", "json": None}
    >>> "&lt;i&gt;T&lt;/i&gt;" in render_index([row])
    True
    """
    counts = {lvl: sum(r["level"] == lvl for r in rows) for lvl in ("urgent", "intervene", "watch", "none",
                                                                    "unscored")}
    mark = not all(r.get("changed", True) for r in rows)  # an incremental run: show what it changed
    return environment().get_template("index.html.j2").render(rows=rows, counts=counts, mark=mark)
