"""Markdown reports: plain enough to read in a terminal, safe to paste into an issue tracker.

Comment text, author names and titles are untrusted: :func:`md_escape` backslash-escapes
every character that could start markup (HTML tags, links, images, emphasis, code,
tables), so pasted text can neither inject HTML nor break the layout. Escapes are
kept few so the raw file still reads well: an underscore inside a word, as in
``nagy_michael2``, is left alone because CommonMark never treats it as emphasis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from modkit.report.build import ThreadReport
from modkit.report.present import (
    LEVEL_BLURBS,
    action_rows,
    attack_label,
    excerpt,
    number,
    reason_groups,
    score,
    spark,
    who,
)
from modkit.report.tree import Reply

#: Characters escaped everywhere: HTML, links and images, code, emphasis, tables, strikethrough.
_ALWAYS = re.compile(r"([\\`*\[\]<>|~])")
#: An underscore that touches a non-word character can open or close emphasis.
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
#: An ampersand that would start an entity such as ``&lt;``.
_ENTITY = re.compile(r"&(?=#?\w+;)")
#: Line starts that would turn a line into a heading, list or rule (the marker is group 2).
_LINE_START = re.compile(r"^(\s*)([#+=-])|^(\s*\d+)([.)])", re.M)
#: Paths listed per line in the index before the rest are summarised.
MAX_LISTED = 8


def md_escape(text: str) -> str:
    """Escape untrusted text for Markdown (inline or one line of a block quote).

    Examples
    --------
    >>> md_escape('<script>alert("x")</script> *hi* [a](b) nagy_michael2 _x_')
    '\\\\<script\\\\>alert("x")\\\\</script\\\\> \\\\*hi\\\\* \\\\[a\\\\](b) nagy_michael2 \\\\_x\\\\_'
    >>> md_escape("# not a heading")
    '\\\\# not a heading'
    """
    text = _ALWAYS.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY.sub(r"\\&", text)
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\{m.group(4)}",
                           text)


def _one_line(text: str, limit: int) -> str:
    return md_escape(excerpt(text, limit))


def _quote(text: str, limit: int, prefix: str = "> ") -> list[str]:
    """Text as a block quote, paragraphs kept, cut to ``limit`` characters."""
    body = text.strip()
    if len(body) > limit:
        body = excerpt(body, limit)
    lines = [line.strip() for line in body.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and out[-1] == prefix.rstrip():
            continue
        out.append(prefix + md_escape(line) if line else prefix.rstrip())
    return out or [prefix + "*(no text)*"]


def _num(r: Reply) -> str:
    """A reply's number, linked to the live comment when it has an address.

    The address is in angle brackets, the CommonMark form that allows parentheses in it;
    it is an http(s) address with no spaces, quotes or angle brackets (the report's tree
    checks it), so it cannot break out of the link.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b"], "text": ["x", "y"], "toxicity": [0.1, 0.2],
    ...                           "url": ["https://x.org/p#comment-1", "javascript:alert(1)"]}))
    >>> _num(v.replies[0]), _num(v.replies[1])
    ('[#1](<https://x.org/p#comment-1>)', '#2')
    """
    return f"[{number(r)}](<{r.url}>)" if r.url else number(r)


def _name(r: Reply) -> str:
    return f"**{md_escape(who(r))}**"


def _target(text: str, r: Reply | None) -> str:
    """An action target: a reply's number stays unescaped (it is ours), names are escaped."""
    if r is None:
        return md_escape(text)
    head, _, _ = text.partition(number(r))
    return f"{md_escape(head)}{_num(r)} by {md_escape(who(r))}"


def _ref(r: Reply) -> str:
    return f"{_num(r)} {_name(r)}"


def _refs(report: ThreadReport, ids: Iterable[str], limit: int = MAX_LISTED) -> str:
    ids = list(ids)
    shown = ", ".join(_num(report.reply(c)) for c in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def render_thread(report: ThreadReport) -> str:
    """One thread's report as Markdown.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report import thread_reports
    >>> df = pd.DataFrame({"comment_id": ["a"], "author": ["<b>x</b>"], "text": ["hi"], "toxicity": [0.9],
    ...                    "title": ["[Title](http://x)"]})
    >>> print(render_thread(thread_reports(df)[0]).splitlines()[0])
    # \\[Title\\](http://x)
    """
    v, m, cfg = report.view, report.metrics, report.config
    out: list[str] = [f"# {md_escape(v.title or v.thread_id)}", ""]
    meta = [f"{report.n_replies} replies",
            f"{report.n_authors} authors" if report.n_authors else "no author names"]
    if v.platform:
        meta.append(md_escape(v.platform))
    out += [f"**Risk: {report.level.upper()}**. This thread {LEVEL_BLURBS[report.level]}. " + " · ".join(meta), ""]
    if v.source:
        out += [f"Source: {md_escape(v.source)} · thread `{v.thread_id.replace('`', '')}`", ""]
    if report.review_line():
        out += [report.review_line(), ""]
    if m.coverage.warnings:
        out += ["**Coverage:** this report may be incomplete.", ""]
        out += [f"- {md_escape(w)}" for w in m.coverage.warnings] + [""]

    out += ["## Why", ""]
    if not report.risk.reasons:
        out += ["No reply is flagged and no pattern was found.", ""]
    for g in reason_groups(report):
        if len(g.items) == 1:
            r = g.items[0]
            out.append(f"- **{g.level}** · {g.label} (`{g.code}`): {md_escape(r.summary)}"
                       + (f". Evidence: {_refs(report, r.evidence)}"
                          if r.evidence and r.code != "many_patterns" else ""))
            continue
        out.append(f"- **{g.level}** · {g.label} ×{len(g.items)} (`{g.code}`): {md_escape(g.subjects)}")
        out += [f"  - {md_escape(r.summary)}. Evidence: {_refs(report, r.evidence)}" for r in g.items]
    out.append("")

    rows = action_rows(report)
    if rows:
        out += ["## Recommended actions", "", "| action | target | why |", "|---|---|---|"]
        for row in rows:
            targets = ", ".join(_target(t, x) for t, x in row.targets[:MAX_LISTED])
            if len(row.targets) > MAX_LISTED:
                targets += f" and {len(row.targets) - MAX_LISTED} more"
            out.append(f"| {row.label} | {targets} | {md_escape(row.note)} |")
        out.append("")

    if m.exchanges:
        out += ["## Heated exchanges", ""]
        for ex in m.exchanges:
            a, b = (md_escape(x) for x in ex.authors)
            out += [f"### {a} ⇄ {b}: {len(ex.replies)} replies, rising "
                    f"{score(report.reply(ex.rise_from).tox)} → {score(report.reply(ex.rise_to).tox)}", "",
                    f"Scores turn by turn: `{spark(list(ex.scores))}`", "",
                    "| reply | author | strongest attack | says |", "|---|---|---|---|"]
            for cid in ex.replies:
                r = report.reply(cid)
                out.append(f"| {_num(r)} | {md_escape(who(r))} | {score(r.tox)} | {_one_line(r.text, 90)} |")
            out.append("")

    sections = [
        ("Pile-ons", [f"- {len(p.attackers)} authors converge on **{md_escape(p.target)}**: "
                      f"{md_escape(', '.join(p.attackers))}. Hostile replies: {_refs(report, p.replies)}"
                      for p in m.pile_ons]),
        ("Toxic subthreads", [f"- **{s.action}** the subthread under {_ref(report.reply(s.root))}: "
                              f"{s.n_toxic} of {s.n_scored} scored replies toxic ({s.share:.0%}), "
                              f"{s.size} replies in all" for s in m.subtrees]),
        ("Repeat offenders", [f"- **{md_escape(o.author)}**: {o.n_toxic} toxic of {o.n_replies} replies, "
                              f"peak {score(o.peak)}{', one severe' if o.severe else ''} → {o.action}. "
                              f"Replies: {_refs(report, o.replies)}" for o in m.offenders]),
        ("Conspiracy framing", [f"- Started by {_ref(report.reply(c.root))} "
                                f"({len(c.replies)} {'reply' if len(c.replies) == 1 else 'replies'}, "
                                f"peak {score(c.peak)}"
                                + (f"; cues: {', '.join(c.cue_kinds)}" if c.cue_kinds else "") + "): "
                                + (f"**spread** to {_refs(report, c.spread_to)}" if c.spread else "not picked up")
                                for c in m.clusters]),
    ]
    for heading, lines in sections:
        if lines:
            out += [f"## {heading}", "", *lines, ""]

    if report.evidence:
        out += ["## Top evidence, in context", ""]
        for k, e in enumerate(report.evidence, 1):
            r = e.reply
            out.append(f"**{k}.** {_ref(r)}, {attack_label(r)}"
                       + (f", conspiracy {score(r.conspiracy)}" if r.conspiracy is not None and not r.review else "")
                       + f" · {', '.join(e.reasons)}")
            out.append("")
            if e.parent is not None:
                out += [f"> in reply to {_ref(e.parent)} ({attack_label(e.parent)}):", ">",
                        *_quote(e.parent.text, cfg.excerpt_chars, "> > "), ">"]
                out += _quote(r.text, cfg.excerpt_chars * 2)
            else:
                out += ["> (top-level reply)", ">", *_quote(r.text, cfg.excerpt_chars * 2)]
            out.append("")

    out += ["## Toxicity across the thread", ""]
    ff = m.first_flagged
    if ff is None:
        out += ["No reply is flagged.", ""]
    else:
        out += [f"First flagged reply: {_ref(report.reply(ff.comment_id))}, after {ff.replies_before} of "
                f"{ff.n_replies} replies ({ff.fraction:.0%} into the thread), at depth {ff.depth}, for "
                f"{', '.join(ff.reasons)}.", ""]
    tox = [r.tox for r in v.replies]
    out += [f"Toxicity in page order, one bar per reply: `{spark(tox)}`", "",
            "| depth | replies | toxic | mean | max |", "|---|---|---|---|---|"]
    for d in m.depth:
        out.append(f"| {d.depth} | {d.n_replies} | {d.n_toxic} | {score(d.mean)} | {score(d.max)} |")
    out.append("")
    steep = m.paths.steepest
    if steep is not None:
        chain = " → ".join(f"{number(report.reply(c))} {score(s)}" for c, s in
                           zip(m.paths.steepest_ids, m.paths.steepest_scores))
        out += [f"Steepest escalating path (rise {score(steep.rise)} from "
                f"{number(report.reply(steep.rise_from))} to {number(report.reply(steep.rise_to))}): {chain}", ""]
    out += [f"{len(m.paths.paths)} root-to-leaf paths; the JSON report lists each one.", ""]

    versions = [f"{k.replace('_scorer', '')}: {', '.join(vs)}" for k, vs in v.scorers.items() if vs]
    out += ["---", "", "Scored with " + ("; ".join(md_escape(x) for x in versions) or "unknown scorers")
            + ". Thresholds: see the JSON report. Made by `modkit report`.", ""]
    return "\n".join(out)


def render_index(rows: list[dict]) -> str:
    """The ranked index of threads as Markdown (``rows`` as returned in the index table).

    Examples
    --------
    >>> row = {"rank": 1, "level": "watch", "title": "T", "thread_id": "t", "reasons": ["toxic_reply"],
    ...        "n_replies": 3, "n_toxic": 1, "peak_toxicity": 0.6, "md": "threads/t.md"}
    >>> render_index([row]).splitlines()[-1]
    '| 1 | **watch** | T | toxic_reply | 3 | 1 | 0.60 | [t.md](threads/t.md) |'
    """
    counts = {lvl: sum(r["level"] == lvl for r in rows) for lvl in ("urgent", "intervene", "watch", "none",
                                                                    "unscored")}
    out = ["# Escalation report", "",
           f"{len(rows)} threads: " + ", ".join(f"{n} {lvl}" for lvl, n in counts.items() if n) + ".", "",
           "| rank | risk | thread | why | replies | toxic | peak | report |", "|---|---|---|---|---|---|---|---|"]
    mark = not all(r.get("changed", True) for r in rows)  # an incremental run: show what it changed
    if mark:
        out[2:2] = ["Threads marked ● are new or changed since the previous run.", ""]
    for r in rows:
        link = r.get("md") or r.get("html") or r.get("json") or ""
        title = ("● " if mark and r.get("changed") else "") + _one_line(r["title"] or r["thread_id"], 70)
        out.append(f"| {r['rank']} | **{r['level']}** | {title} | {', '.join(r['reasons']) or '–'} | "
                   f"{r['n_replies']} | {r['n_toxic']} | {score(r['peak_toxicity'])} | "
                   + (f"[{link.rsplit('/', 1)[-1]}]({link})" if link else "–") + " |")
    out.append("")
    return "\n".join(out)
