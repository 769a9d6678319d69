"""Escalation reports: each detector on a hand-built thread, risk rules, outputs, escaping, the seed, the CLI."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import modkit
from modkit.cli import app
from modkit.errors import ConfigError, SchemaError
from modkit.model import TOXICITY_ATTRIBUTES
from modkit.report import FORMATS, ReportConfig, report, thread_reports
from modkit.report.patterns import (
    conspiracy_clusters,
    heated_exchanges,
    pile_ons,
    repeat_offenders,
    toxic_subtrees,
)
from modkit.report.render_json import schema
from modkit.report.render_md import md_escape
from modkit.report.risk import ACTION_ORDER, REASON_LEVELS
from modkit.report.tree import view_of
from modkit.score import score
from modkit.score.base import Scorer
from modkit.tables import write_table

from .conftest import SEEDS

runner = CliRunner()
CFG = ReportConfig()
FLAG = 0.5  # the fixtures' flag threshold, as the score stage would apply it


def thread(rows, thread_id="t1", title="A thread", text=None, flags=None, extra=None, reasons=True):
    """A scored table from ``(id, parent, author, toxicity[, conspiracy])`` rows, in page order.

    ``text``/``flags``/``extra`` map ids to a reply's text, flags or extra score columns;
    ``flagged`` and ``flag_reasons`` are derived as the score stage derives them.
    """
    text, flags, extra = text or {}, flags or {}, extra or {}
    depth: dict[str, int] = {}
    out = []
    for pos, row in enumerate(rows):
        cid, parent, author, tox, *rest = row
        con = rest[0] if rest else 0.0
        depth[cid] = 0 if parent is None else depth.get(parent, -1) + 1
        scores = {"toxicity": tox, "conspiracy": con, **extra.get(cid, {})}
        why = sorted((a for a, v in scores.items() if v >= FLAG), key=lambda a: -scores[a])
        out.append({"thread_id": thread_id, "comment_id": cid, "parent_id": parent, "depth": max(depth[cid], 0),
                    "position": pos, "author": author, "timestamp": None, "text": text.get(cid, f"reply {cid}"),
                    "quotes": [], "flags": flags.get(cid, []), "source": f"{thread_id}.html",
                    "platform": "disqus_html", "title": title, **scores, "conspiracy_cues": [],
                    "flagged": bool(why), "flag_reasons": why, "toxicity_scorer": "fixture-1",
                    "conspiracy_scorer": "fixture-1"})
    df = pd.DataFrame(out)
    for a in ("threat", "severe_toxicity"):
        if a in df:
            df[a] = df[a].fillna(0.0)
    return df if reasons else df.drop(columns=["flagged", "flag_reasons"])


def only(df):
    return thread_reports(df)[0]


# --- heated exchanges ---------------------------------------------------------------------------
def test_heated_exchange_is_found_between_two_alternating_authors_with_rising_scores():
    v = view_of(thread([("p", None, "pat", 0.05), ("a1", "p", "ann", 0.1), ("b1", "a1", "bob", 0.3),
                        ("a2", "b1", "ann", 0.6), ("b2", "a2", "bob", 0.8), ("c", "p", "cy", 0.05)]))
    [ex] = heated_exchanges(v, CFG)
    assert ex.authors == ("ann", "bob") and ex.replies == ("a1", "b1", "a2", "b2")
    assert (ex.rise, ex.rise_from, ex.rise_to, ex.peak, ex.turns) == (0.7, "a1", "b2", 0.8, (2, 2))
    assert ex.subthread == "a1"


def test_a_back_and_forth_flattened_into_siblings_is_one_exchange():
    v = view_of(thread([("a1", None, "ann", 0.1), ("b1", "a1", "bob", 0.2), ("a2", "b1", "ann", 0.5),
                        ("b2", "b1", "bob", 0.7), ("a3", "b1", "ann", 0.9)]))
    [ex] = heated_exchanges(v, CFG)
    assert ex.replies == ("a1", "b1", "a2", "b2", "a3") and ex.turns == (3, 2)


@pytest.mark.parametrize("scores", [(0.05, 0.1, 0.2, 0.15), (0.9, 0.8, 0.7, 0.6)], ids=["calm", "cooling"])
def test_alternation_without_rising_toxic_scores_is_not_a_heated_exchange(scores):
    rows = [("a1", None, "ann", scores[0]), ("b1", "a1", "bob", scores[1]), ("a2", "b1", "ann", scores[2]),
            ("b2", "a2", "bob", scores[3])]
    assert heated_exchanges(view_of(thread(rows)), CFG) == []


def test_one_author_answering_a_post_four_times_is_not_an_exchange():
    rows = [("b", None, "bob", 0.1)] + [(f"a{i}", "b", "ann", 0.2 * i) for i in range(1, 5)]
    assert heated_exchanges(view_of(thread(rows)), CFG) == []


def test_exchange_min_turns_is_configurable():
    rows = [("a1", None, "ann", 0.1), ("b1", "a1", "bob", 0.3), ("a2", "b1", "ann", 0.6), ("b2", "a2", "bob", 0.8)]
    assert len(heated_exchanges(view_of(thread(rows)), CFG)) == 1
    assert heated_exchanges(view_of(thread(rows)), ReportConfig.from_dict({"exchange_min_turns": 5})) == []


# --- pile-ons ----------------------------------------------------------------------------------------
def test_pile_on_names_the_target_and_the_converging_authors():
    v = view_of(thread([("v", None, "vic", 0.05), ("x", "v", "xan", 0.8), ("w", "v", "wes", 0.1),
                        ("y", "v", "yol", 0.7), ("z", "y", "zed", 0.2), ("z2", "v", "zed", 0.9)]))
    [p] = pile_ons(v, CFG)
    assert (p.target, p.attackers, p.replies, p.provoked_by) == ("vic", ("xan", "yol", "zed"), ("x", "y", "z2"), ("v",))
    assert p.subthread == "v"


@pytest.mark.parametrize("authors", [("xan", "yol"), ("xan", None, None)], ids=["two", "anonymous-as-one"])
def test_fewer_than_three_distinct_hostile_authors_are_not_a_pile_on(authors):
    rows = [("v", None, "vic", 0.05)] + [(f"h{i}", "v", a, 0.9) for i, a in enumerate(authors)]
    assert pile_ons(view_of(thread(rows)), CFG) == []


# --- toxic subtrees --------------------------------------------------------------------------------
def test_toxic_subtree_is_locked_inside_a_branch_to_collapse():
    v = view_of(thread([("r", None, "ann", 0.05), ("s", "r", "bob", 0.9), ("s1", "s", "cy", 0.8),
                        ("s2", "s", "dee", 0.7), ("q", "r", "eve", 0.1), ("o", None, "fay", 0.1)]))
    found = [(s.root, s.action, s.n_toxic, s.n_scored) for s in toxic_subtrees(v, CFG)]
    assert found == [("r", "collapse", 3, 5), ("s", "lock", 3, 3)]


def test_a_single_toxic_reply_is_not_a_toxic_subtree():
    v = view_of(thread([("r", None, "ann", 0.9), ("s", "r", "bob", 0.1), ("t", "r", "cy", 0.1)]))
    assert toxic_subtrees(v, CFG) == []


# --- repeat offenders -------------------------------------------------------------------------------
def test_repeat_offenders_are_warned_at_two_toxic_replies_and_timed_out_at_four():
    rows = [("r", None, "host", 0.05)]
    rows += [(f"w{i}", "r", "wes", 0.7) for i in range(2)] + [(f"t{i}", "r", "tom", 0.6) for i in range(4)]
    rows += [("o", "r", "one", 0.9), ("n", "r", None, 0.9), ("n2", "r", None, 0.9)]
    found = [(o.author, o.n_toxic, o.action) for o in repeat_offenders(view_of(thread(rows)), CFG)]
    assert found == [("tom", 4, "timeout"), ("wes", 2, "warn")]


def test_a_severe_reply_times_out_its_author_and_makes_the_thread_urgent():
    df = thread([("r", None, "ann", 0.1), ("s", "r", "bob", 0.6)], extra={"s": {"threat": 0.7}})
    rep = only(df)
    assert rep.level == "urgent" and rep.risk.codes[0] == "severe_reply"
    kinds = {(a.kind, a.target) for a in rep.risk.actions}
    assert {("remove_reply", "s"), ("timeout_author", "bob")} <= kinds


# --- conspiracy clusters --------------------------------------------------------------------------------
def test_conspiracy_cluster_spreads_only_when_another_author_picks_up_the_framing():
    v = view_of(thread([("x", None, "xan", 0.1, 0.9), ("y", "x", "yol", 0.1, 0.8), ("k", "y", "kim", 0.1, 0.1),
                        ("m", "k", "max", 0.1, 0.9), ("z", None, "zed", 0.1, 0.9), ("z2", "z", "zed", 0.1, 0.7)]))
    found = [(c.root, c.replies, c.spread, c.spread_to) for c in conspiracy_clusters(v, CFG)]
    assert found == [("x", ("x", "y"), True, ("y",)), ("m", ("m",), False, ()), ("z", ("z", "z2"), False, ())]
    rep = only(thread([("x", None, "xan", 0.1, 0.9), ("y", "x", "yol", 0.1, 0.8)]))
    assert "conspiracy_spread" in rep.risk.codes and rep.risk.actions[-1].kind == "review_framing"


# --- coverage, calm threads, fallbacks ----------------------------------------------------------------
def test_coverage_lists_missing_parents_orphans_removed_replies_and_page_warnings():
    df = thread([("a", None, "ann", 0.1), ("b", "gone", "bob", 0.2), ("c", None, "cy", 0.9), ("d", "a", "dee", 0.9)],
                flags={"c": ["orphan"], "d": ["removed"]}, text={"d": "[removed]"})
    rep = thread_reports(df, coverage={"t1": ["page states 9 comments, 4 found"]})[0]
    cov = rep.metrics.coverage
    assert (cov.missing_parents, cov.orphans, cov.removed) == (("b",), ("c",), 1)
    assert cov.warnings[0] == "page states 9 comments, 4 found" and len(cov.warnings) == 4
    assert rep.reply("d").tox is None and not rep.reply("d").toxic  # removed: no words to score


def test_a_calm_thread_has_level_none_and_nothing_to_do():
    rep = only(thread([("a", None, "ann", 0.05), ("b", "a", "bob", 0.1), ("c", "b", "ann", 0.2)]))
    assert (rep.level, rep.risk.reasons, rep.risk.actions, rep.evidence) == ("none", (), (), ())
    assert rep.metrics.first_flagged is None and rep.metrics.paths.steepest.rise == 0.15


def test_without_flag_reasons_toxic_falls_back_to_the_toxic_threshold():
    rows = [("a", None, "ann", 0.1), ("b", "a", "bob", 0.65)]
    assert only(thread(rows, reasons=False)).n_toxic == 1
    assert thread_reports(thread(rows, reasons=False), {"toxic_threshold": 0.7})[0].n_toxic == 0


def test_first_flagged_reply_says_how_far_into_the_thread_it_came():
    rep = only(thread([("a", None, "ann", 0.1), ("b", "a", "bob", 0.2), ("c", None, "cy", 0.1),
                       ("d", "c", "dee", 0.9)]))
    ff = rep.metrics.first_flagged
    assert (ff.comment_id, ff.replies_before, ff.fraction, ff.depth, ff.reasons) == ("d", 3, 0.75, 1, ("toxicity",))


def test_steepest_path_and_toxicity_by_depth():
    rep = only(thread([("a", None, "ann", 0.1), ("b", "a", "bob", 0.4), ("c", "b", "cy", 0.95),
                       ("d", "a", "dee", 0.6), ("e", None, "eve", 0.3)]))
    p = rep.metrics.paths
    assert [(s.leaf, s.rise) for s in p.paths] == [("c", 0.85), ("d", 0.5), ("e", 0.0)]
    assert p.steepest_ids == ("a", "b", "c") and p.steepest_scores == (0.1, 0.4, 0.95)
    assert [(d.depth, d.n_replies, d.max) for d in rep.metrics.depth] == [(0, 2, 0.3), (1, 2, 0.6), (2, 1, 0.95)]


# --- risk and ranking -----------------------------------------------------------------------------------
def test_several_patterns_at_once_make_a_thread_urgent_and_rank_it_first():
    hot = thread([("a1", None, "ann", 0.1), ("b1", "a1", "bob", 0.6), ("a2", "b1", "ann", 0.7),
                  ("b2", "a2", "bob", 0.75), ("a3", "b2", "ann", 0.7)], thread_id="hot")
    calm = thread([("c", None, "cy", 0.05)], thread_id="calm")
    one = thread([("d", None, "dee", 0.1), ("e", "d", "eve", 0.6)], thread_id="one")
    reps = thread_reports(pd.concat([calm, one, hot], ignore_index=True))
    assert [(r.thread_id, r.level) for r in reps] == [("hot", "urgent"), ("one", "watch"), ("calm", "none")]
    assert {"heated_exchange", "toxic_subtree", "repeat_offender", "many_patterns"} <= set(reps[0].risk.codes)
    # the lock of the exchange's subthread replaces its slow-down
    assert [(a.kind, a.target) for a in reps[0].risk.actions] == [
        ("lock_subtree", "a1"), ("warn_author", "bob"), ("warn_author", "ann")]


TEAM_SETTINGS = """\
# A team's report settings: stricter exchanges, earlier time-outs.
[report]
exchange_min_turns = 6
offender_timeout_toxic = 3
severe_attributes = ["threat"]
"""


def test_settings_load_from_a_toml_section_and_bad_settings_are_refused(tmp_path):
    (tmp_path / "modkit.toml").write_text(TEAM_SETTINGS, encoding="utf-8")
    cfg = ReportConfig.from_toml(tmp_path / "modkit.toml")
    assert (cfg.exchange_min_turns, cfg.offender_timeout_toxic, cfg.severe_attributes) == (6, 3, ("threat",))
    with pytest.raises(ConfigError, match="unknown report setting 'exchange_turns'; valid settings: toxic_threshold"):
        ReportConfig.from_dict({"exchange_turns": 3})
    with pytest.raises(ConfigError, match=r"remove_threshold \(0.3\) must be >= toxic_threshold \(0.5\)"):
        ReportConfig.from_dict({"remove_threshold": 0.3})
    with pytest.raises(ConfigError, match="must be a whole number"):
        ReportConfig.from_dict({"pileon_min_authors": 2.5})


def test_every_setting_reason_code_and_action_is_documented():
    doc = (Path(modkit.__file__).parent / "report" / "METRICS.md").read_text(encoding="utf-8")
    for name, _, reason in ReportConfig().describe():
        assert f"`{name}`" in doc and reason
    defs = schema()["$defs"]
    assert set(defs["reason_code"]["enum"]) == set(REASON_LEVELS) and all(f"`{c}`" in doc for c in REASON_LEVELS)
    assert defs["action"]["properties"]["kind"]["enum"] == list(ACTION_ORDER)


# --- robustness -------------------------------------------------------------------------------------------
def test_reports_split_threads_and_leave_the_input_untouched():
    df = pd.concat([thread([("a", None, "ann", 0.9)], thread_id="t1"),
                    thread([("b", None, "bob", 0.1)], thread_id="t2")], ignore_index=True)
    before = df.copy(deep=True)
    assert sorted(r.thread_id for r in thread_reports(df)) == ["t1", "t2"]
    pd.testing.assert_frame_equal(df, before)


def test_parent_cycles_and_repeated_ids_become_coverage_notes():
    df = thread([("a", None, "ann", 0.1), ("b", "c", "bob", 0.2), ("c", "b", "cy", 0.3), ("a", None, "dup", 0.9)])
    rep = only(df)
    assert rep.n_replies == 3 and rep.reply("a").author == "ann"
    assert any("cycle" in w for w in rep.metrics.coverage.warnings)
    assert any("repeat a comment id" in w for w in rep.metrics.coverage.warnings)


def test_a_chain_five_thousand_deep_renders_without_recursion_errors(tmp_path):
    rows = [("c0", None, "ann", 0.1)] + [(f"c{i}", f"c{i - 1}", "bob" if i % 2 else "ann", 0.1) for i in range(1, 5000)]
    index = report(thread(rows), tmp_path, formats="html,json")
    doc = json.loads((tmp_path / index.loc[0, "json"]).read_text(encoding="utf-8"))
    assert doc["thread"]["n_replies"] == 5000 and doc["paths"][0]["length"] == 5000
    assert (tmp_path / index.loc[0, "html"]).read_text(encoding="utf-8").count("<details open>") == 5000


def test_a_table_without_scores_is_refused():
    with pytest.raises(SchemaError, match="not scored"):
        thread_reports(pd.DataFrame({"comment_id": ["a"], "text": ["hi"]}))


# --- outputs --------------------------------------------------------------------------------------------
@pytest.fixture
def two_threads():
    hot = thread([("p", None, "pat", 0.05), ("a1", "p", "ann", 0.1), ("b1", "a1", "bob", 0.6),
                  ("a2", "b1", "ann", 0.7), ("b2", "a2", "bob", 0.9), ("x", "p", "xan", 0.8, 0.9)],
                 thread_id="hot", title="Hot thread")
    return pd.concat([thread([("c", None, "cy", 0.05)], thread_id="calm"), hot], ignore_index=True)


def test_report_writes_one_file_per_thread_and_format_plus_the_index(two_threads, tmp_path):
    index = report(two_threads, tmp_path)
    assert list(index["thread_id"]) == ["hot", "calm"] and list(index["rank"]) == [1, 2]
    for fmt in FORMATS:
        assert (tmp_path / f"index.{fmt}").is_file()
        assert list(index[fmt]) == [f"threads/hot.{fmt}", f"threads/calm.{fmt}"]
        assert all((tmp_path / p).is_file() for p in index[fmt])
    md = (tmp_path / "threads" / "hot.md").read_text(encoding="utf-8")
    assert "## Heated exchanges" in md and "### ann ⇄ bob: 4 replies, rising 0.10 → 0.90" in md
    assert "| 1 | **urgent** | Hot thread |" in (tmp_path / "index.md").read_text(encoding="utf-8")


def _strict(node):
    """The schema with additionalProperties false wherever properties are listed: outputs may
    not carry undocumented fields."""
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node and "$ref" not in node:
            node["additionalProperties"] = False
    elif isinstance(node, list):
        node = [_strict(v) for v in node]
    return node


def test_json_reports_validate_against_the_packaged_schema(two_threads, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    strict = jsonschema.Draft202012Validator(_strict(copy.deepcopy(schema())))
    jsonschema.Draft202012Validator.check_schema(schema())
    df = pd.concat([two_threads, thread([("a", None, "ann", 0.2), ("b", "gone", "bob", 0.7)], thread_id="cov")],
                   ignore_index=True)
    index = report(df, tmp_path, formats="json", coverage={"cov": ["2 truncated 'load more' branches"]})
    docs = [json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))]
    docs += [json.loads((tmp_path / p).read_text(encoding="utf-8")) for p in index["json"]]
    for doc in docs:
        strict.validate(doc)
    hot = next(d for d in docs if d.get("thread", {}).get("thread_id") == "hot")
    assert hot["heated_exchanges"][0]["replies"] == ["a1", "b1", "a2", "b2"]
    assert hot["top_evidence"][0]["parent"]["comment_id"] == "a2" and hot["top_evidence"][0]["reply"]["text"]


HOSTILE = '<script>document.title="PWNED"</script>"\'><img src=x onerror="document.body.dataset.pwned=1">'


def _hostile_report(tmp_path):
    df = thread([("a", None, HOSTILE, 0.1), ("b", "a", "bob", 0.9)], title=HOSTILE,
                text={"a": HOSTILE + " [link](javascript:alert(1)) # heading", "b": HOSTILE})
    return report(df, tmp_path)


def test_untrusted_text_is_escaped_in_markdown_and_html(tmp_path):
    _hostile_report(tmp_path)
    for name in ("threads/t1.html", "index.html"):
        html = (tmp_path / name).read_text(encoding="utf-8")
        assert "<script" not in html and "<img" not in html and "onerror=\"" not in html
        assert "&lt;script&gt;" in html
        assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)  # nothing fetched from a network
    md = (tmp_path / "threads" / "t1.md").read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<(script|img)", md) and "\\[link\\](javascript" in md


def test_markdown_escaping_leaves_plain_names_readable():
    assert md_escape("nagy_michael2 said: it's 5 > 3") == "nagy_michael2 said: it's 5 \\> 3"
    assert md_escape("1. not a list\n- nor this") == "1\\. not a list\n\\- nor this"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_hostile_html_runs_nothing_in_headless_chromium(tmp_path):
    from selectolax.lexbor import LexborHTMLParser

    _hostile_report(tmp_path / "out")
    page = tmp_path / "out" / "threads" / "t1.html"
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60).stdout
    tree = LexborHTMLParser(dom)
    assert tree.css_first("h1") is not None and HOSTILE in tree.css_first("h1").text()
    assert tree.css("script") == [] and tree.css("img") == []
    assert "pwned" not in (tree.body.attributes or {}) and "data-pwned" not in (tree.body.attributes or {})
    assert "PWNED" not in tree.css_first("title").text().split("·")[0]
    handlers = [k for node in tree.css("*") for k in (node.attributes or {}) if k.lower().startswith("on")]
    assert handlers == []


# --- the seed thread, scored by a deterministic stand-in --------------------------------------------------
INSULTS = ("stupid", "idiot", "crap", "schmuck", "jerk", "dumb", "ass", "a55", "rat hole", "f u c k i n g", "wtf",
           "scum", "rot in hell", "go to hell", "rape", "raped", "shagging", "douchnozzles", "jackassery", "asinine",
           "weirdo", "bastard", "low life", "stooges", "nasty", "shitting", "sh!t", "ignorant", "mums belly",
           "swallow", "m.f.", "butcher")
CUES = ("planned by", "pre arranged", "has a hand in", "magically appears", "created al qaeda")


class Lexicon(Scorer):
    """Stand-in scorer: each listed phrase (whole words) multiplies the odds of being calm by 0.45."""

    name = "lexicon-test"
    phrases: tuple[str, ...] = INSULTS
    attribute = "toxicity"

    @property
    def attributes(self):
        return (self.attribute,)

    def predict_proba(self, comments):
        pat = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, self.phrases)) + r")(?!\w)", re.I)
        return pd.DataFrame({self.attribute: [round(1 - 0.95 * 0.45 ** len(pat.findall(t or "")), 3)
                                              for t in comments["text"]]}, index=comments.index)


class Cues(Lexicon):
    name = "cues-test"
    kind = "conspiracy"
    phrases = CUES
    attribute = "conspiracy"


@pytest.fixture(scope="module")
def seed_scored():
    comments = modkit.parse(next(SEEDS.glob("001_*.txt")))
    return score(comments, toxicity=Lexicon(), conspiracy=Cues())


def test_seed_disqus_report_makes_its_heated_exchanges_obvious(seed_scored, tmp_path):
    [rep] = thread_reports(seed_scored)
    pairs = {frozenset(e.authors) for e in rep.metrics.exchanges}
    for pair in ({"AkhouManUki", "man-o-war"}, {"IraniAngel", "nagy_michael2"}, {"IraniAngel", "The real lebanese"}):
        assert frozenset(pair) in pairs
    # IraniAngel needles MekensehParty, who never attacks back: one author's problem, not an exchange
    assert frozenset({"IraniAngel", "MekensehParty"}) not in pairs
    assert rep.level == "urgent" and rep.risk.codes[0] == "many_patterns"
    akhou = next(e for e in rep.metrics.exchanges if set(e.authors) == {"AkhouManUki", "man-o-war"})
    assert len(akhou.replies) == 7 and akhou.turns == (4, 3)  # the flattened depth-4 siblings count
    assert any(c.spread for c in rep.metrics.clusters)  # wargame1's "planned by Iran" picked up by nagy_michael2
    report(seed_scored, tmp_path, formats="html,md")
    html = (tmp_path / "threads" / f"{rep.thread_id}.html").read_text(encoding="utf-8")
    risk_card = html[html.index('class="card risk'):html.index("Recommended actions")]
    assert "heated exchange ×" in risk_card and "AkhouManUki ⇄ man-o-war" in risk_card
    md = (tmp_path / "threads" / f"{rep.thread_id}.md").read_text(encoding="utf-8")
    assert "### AkhouManUki ⇄ man-o-war: 7 replies" in md


# --- command line -------------------------------------------------------------------------------------------
def test_cli_report_writes_reports_and_prints_the_ranked_index(two_threads, tmp_path):
    scored = tmp_path / "scores.jsonl"
    write_table(two_threads, scored)
    result = runner.invoke(app, ["report", str(scored), "-o", str(tmp_path / "out"), "--format", "md,json"])
    assert result.exit_code == 0, result.stderr
    assert "threads by risk (2 of 2)" in result.stdout and "Hot thread" in result.stdout
    assert result.stdout.index("urgent") < result.stdout.index("none")
    assert "wrote 2 thread reports and the index to" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["index.json", "index.md", "threads"]


def test_cli_report_errors_are_one_line(two_threads, tmp_path):
    scored = tmp_path / "scores.csv"
    write_table(two_threads, scored)
    result = runner.invoke(app, ["report", str(scored), "-o", str(tmp_path / "o"), "--format", "pdf"])
    assert result.exit_code == 2 and result.stderr == "Error: unknown report format 'pdf'; choose from: md, html, json\n"
    bare = tmp_path / "bare.csv"
    pd.DataFrame({"comment_id": ["a"], "text": ["hi"]}).to_csv(bare, index=False)
    result = runner.invoke(app, ["report", str(bare), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr == ("Error: the table is not scored (no toxicity or conspiracy column); "
                             "run modkit score first.\n")


def test_cli_report_accepts_pages_and_fills_their_coverage(tmp_path, monkeypatch):
    import modkit.score as scoring

    real = scoring.score
    monkeypatch.setattr(scoring, "score", lambda df, **kw: real(df, toxicity=Lexicon(), conspiracy=None))
    page = next(SEEDS.glob("003_*.txt"))
    result = runner.invoke(app, ["report", str(page), "-o", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    [doc] = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "threads").glob("*.json")]
    assert "page states 24 comments, 19 found" in doc["coverage"]["page_warnings"]
    assert set(doc["thread"]["attributes"]) <= set(TOXICITY_ATTRIBUTES)
