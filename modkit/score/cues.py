"""Explainable cues of conspiracy framing: what a moderator sees highlighted.

A cue is a span of a reply that frames events as secretly planned or staged by
hidden, hostile actors: ``find_cues(text)`` returns them with their kind and
character offsets. The kinds follow the design's list:

=====================  ===============================================================
kind                   examples
=====================  ===============================================================
``hidden_agent``       "the deep state", "the cabal", "who created Al Qaeda",
                       "pre arranged by Maliki", "has a hand in all this"
``malicious_intent``   "depopulation agenda", "plandemic", "to control the population"
``accomplices``        "their puppets", "controlled opposition", "paid shills"
``staged_event``       "false flag", "the attack was staged", "magically appears"
``secret_plot``        "secretly funded by", "the whole thing is planned", "no coincidence"
``awakening_call``     "wake up sheeple", "do your own research", "open your eyes"
``self_sealing``       "they don't want you to know", "the media won't tell you"
``antisemitic_trope``  "Rothschild", "zionist occupied government", "khazarian mafia"
``replacement_trope``  "the great replacement", "white genocide", "importing voters"
=====================  ===============================================================

How the detector keeps criticism apart from framing:

- Phrases are matched on word boundaries, and the ambiguous ones only in
  constructions that carry the framing: "staged" after a copula ("the attack
  was staged") but not "militants staged an attack"; "planned by" only with an
  event as its subject; "wake up" but not "a wake-up call".
- Naming a powerful actor ("the government", "the media", "Pfizer") is never
  a cue by itself; distrust words ("lying", "biased", "corrupt") are not cues.
- *Weak* patterns ("in order to invade", "a pretext to") count only when a
  strong cue sits in the same sentence: a motive is framing only when it is
  attached to a plot.
- A negator just before a claim ("it was not a false flag") or inside it
  ("the attack was not planned") drops it, and so does a sentence that
  dismisses the claim ("the false flag claims are baseless").

Offsets are character offsets into the text as given (``text[start:end]``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

CUE_KINDS: tuple[str, ...] = (
    "hidden_agent", "malicious_intent", "accomplices", "staged_event", "secret_plot",
    "awakening_call", "self_sealing", "antisemitic_trope", "replacement_trope",
)

#: Characters before a cue searched for a negator ("not", "no", "never"...):
#: about four words, so "it was not a false flag" is caught but a negation in
#: an earlier clause is not.
NEGATION_WINDOW = 24

#: Texts longer than this are scanned only up to here: cues beyond the first
#: 20,000 characters (a long essay) add nothing a moderator can act on, and
#: the cap keeps a 100k-character paste as fast as a normal reply.
MAX_SCAN_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Cue:
    """One cue: its kind and where it is (``text == source[start:end]``).

    Examples
    --------
    >>> Cue("staged_event", 4, 14, "false flag").as_dict()
    {'kind': 'staged_event', 'start': 4, 'end': 14, 'text': 'false flag'}
    """

    kind: str
    start: int
    end: int
    text: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "start": self.start, "end": self.end, "text": self.text}


# --- pattern notation ---------------------------------------------------------------------------
# Patterns are regular expressions with two shorthands, so the lexicons read like phrases:
#   a space  = one or more spaces or hyphens  ("pre arranged" matches "pre-arranged")
#   "_"      = an optional space or hyphen     ("psy_op" matches "psyop", "psy-op", "psy op")
# Every pattern is wrapped in word boundaries and matched case-insensitively.
_SEP, _OPT = r"[\s\-]+", r"[\s\-]?"
_APOS = "['’]"


def _expand(fragment: str) -> str:
    return fragment.replace(" ", _SEP).replace("_", _OPT)


def _alt(fragments: Iterable[str]) -> str:
    return "(?:" + "|".join(_expand(f) for f in fragments) + ")"


# --- shared vocabularies --------------------------------------------------------------------
#: Actors that conspiracy discourse casts as hidden rulers (never neutral institutions).
HIDDEN_ACTORS = (
    "deep_state", "shadow government", "cabal", "new world order", "nwo", "globalists?",
    "global(?:ist)? elites?", "illuminati", "freemasons?", "bilderberg(?:ers| group)?",
    "puppet masters?", "powers that be", "tptb", "hidden hand", "secret societ(?:y|ies)",
    "luciferians?", "satanists?", "satanic (?:elites?|cabal|cult|rulers)", "reptilians?",
    "committee of 300", "the controllers", "world government", "one world government",
    "globalist death cult", "the cult",
)
#: Events whose cause a framing claim rewrites ("the attack was staged").
EVENT_NOUNS = (
    "attacks?", "bombings?", "shootings?", "massacres?", "war", "wars", "crisis", "pandemic",
    "virus", "outbreak", "invasion", "uprising", "coup", "riots?", "explosions?", "fires?",
    "whole thing", "whole (?:mess|affair|war|crisis|pandemic)", "all (?:of )?this", "everything",
    "it all", "this mess", "9/11", "covid(?:19|-19| 19)?", "terror(?:ist)? attacks?", "election",
    "blackout", "famine", "shortages?", "collapse", "incidents?", "events?",
    "(?:moon )?landings?", "climate change", "global warming", "holocaust", "chemtrails?",
)
#: Participles that rewrite an event as planned or faked.
PLANNED = (
    "pre_arranged", "pre_planned", "planned", "orchestrated", "engineered", "staged",
    "manufactured", "scripted", "masterminded", "premeditated", "fabricated", "faked",
    "a hoax", "a false flag", "an inside job", "a psy_op", "a set_up", "set up", "fake",
    "deliberate", "intentional", "no accident", "by design", "all planned", "all staged",
)
#: Groups whose creation or control a framing claim attributes to a hidden sponsor.
GROUP_NOUNS = (
    "groups?", "militants?", "terrorists?", "jihadists?", "rebels?", "militias?", "isis", "isil",
    "daesh", "al_qa[ei]da", "al_qaida", "taliban", "antifa", "blm", "protesters", "rioters",
    "opposition", "movement", "organi[sz]ation",
)
_NEGATORS = re.compile(r"\b(?:not|no|never|nothing|nobody|hardly|neither|nor)\b|n['’]t\b")
#: A sentence that reports others' claim ("some say ...", "conspiracy theorists claim ...") and turns
#: against it ("but", "however") is reporting or debunking the claim, not making it.
_REPORTED = re.compile(_alt((
    "(?:some|many|a few|certain) (?:people |folks |users |commenters |posters )?(?:say|said|claim(?:ed)?|believe|"
    "think|insist|argue|suggest)", "(?:conspiracy theorists?|conspiracists|truthers|anti_vaxx?ers) "
    "(?:say|said|claim(?:ed)?|believe|think|insist|argue)", "according to (?:conspiracy theorists?|conspiracists)",
    "(?:it is|it['’]s|it was) (?:often |widely |sometimes )?claimed", "the (?:claim|theory|idea|rumou?r) (?:is |was )?that",
)))
_CONTRAST = re.compile(r"\b(?:but|however|yet|though|although|whereas)\b")
#: Sentences that report a claim only to dismiss it.
_DISMISSAL = re.compile(_alt((
    "debunk(?:ed|s|ing)?", "baseless", "unfounded", "no evidence", "not a shred of evidence",
    "nonsense", "tin_foil(?: hat)?", "crackpots?", "conspiracy (?:nuts?|loons?|crazies)",
    "(?:just|only|merely) (?:a|another) conspiracy theory", "(?:that|this|it)(?:['’]s| is) a conspiracy theory",
    "myths?", "hogwash", "(?:absurd|ridiculous|silly|paranoid) (?:claims?|ideas?|theor(?:y|ies))",
    "(?:been|was|were|is|are) (?:thoroughly |long |repeatedly )?(?:disproven|disproved|refuted)",
    "the evidence (?:is|was) overwhelming", "overwhelming evidence (?:that|against|shows)",
)))
_SENTENCE_END = re.compile(r"[.!?\n]+")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class _Pattern:
    kind: str
    regex: re.Pattern
    #: The gate: words of which every match contains at least one (``any_words``) or all of one
    #: group (``all_words``). A text that passes no gate is not searched, which keeps the
    #: detector fast on ordinary replies; no gate at all means always search.
    any_words: frozenset[str]
    all_words: tuple[frozenset[str], ...]
    #: A weak pattern counts only beside a strong cue in the same sentence.
    strong: bool = True
    #: Whether a negator before the match cancels it (not for phrases that carry their own negation).
    negatable: bool = True
    #: A group ``name`` that is a capitalised name in the original text extends the cue over the
    #: name's next capitalised words ("by Nouri Maliki"); "required": a match without one is dropped.
    names: str = ""
    #: Match the text as written instead of lower-cased (for shouting: "WAKE UP").
    original_case: bool = False
    #: A claim construction: an event said to be staged or planned, as a sentence says it
    #: ("the landing was faked", "they staged it"), not a loaded word alone ("hoax", "cabal").
    claim: bool = False

    #: Every gate word, for a one-call first check (most replies share none of them).
    gate_words: frozenset[str] = frozenset()

    def may_match(self, words: set[str]) -> bool:
        if not self.gate_words:
            return True
        if self.gate_words.isdisjoint(words):
            return False
        return not self.any_words.isdisjoint(words) or any(group <= words for group in self.all_words)


def _gate(anchors: str) -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
    """Parse "a b c+d": any of a, b, or both c and d (lower-case ``\\w+`` tokens)."""
    entries = anchors.split()
    return (frozenset(e for e in entries if "+" not in e),
            tuple(frozenset(e.split("+")) for e in entries if "+" in e))


def _pattern(kind: str, regex: re.Pattern, anchors: str, strong: bool, negatable: bool, names: str = "",
             original_case: bool = False, claim: bool = False) -> _Pattern:
    any_words, all_words = _gate(anchors)
    gate_words = any_words.union(*all_words)
    return _Pattern(kind, regex, any_words, all_words, strong, negatable, names, original_case, claim, gate_words)


def _lexicon(kind: str, anchors: str, fragments: Sequence[str], strong: bool = True,
             negatable: bool = True) -> _Pattern:
    regex = re.compile(r"\b" + _alt(fragments) + r"(?!\w)")
    return _pattern(kind, regex, anchors, strong, negatable)


def _rule(kind: str, anchors: str, regex: str, strong: bool = True, negatable: bool = True,
          names: str = "", original_case: bool = False, claim: bool = False) -> _Pattern:
    """A co-occurrence rule written as one regular expression (lower case unless ``original_case``)."""
    return _pattern(kind, re.compile(regex), anchors, strong, negatable, names, original_case, claim)


#: Up to ``n`` intervening words, none of them a negator (so "was not planned" does not match).
def _gap(n: int) -> str:
    return rf"(?:\W+(?!(?:not|never|no)\b)\w+(?:{_APOS}\w+)?){{0,{n}}}?"


_BE = r"(?:is|was|were|are|been|being|be|(?:it|that|this)['’]s|all)"
_KNOWN_AGENT = r"(?:(?:the )?" + _alt(HIDDEN_ACTORS) + r"|the " + _alt((
    "cia", "mossad", "fbi", "nsa", "mi6", "kgb", "us", "usa", "americans", "west", "government", "regime",
    "elites?", "bankers", "banks", "billionaires", "pentagon", "military", "jews", "zionists",
)) + r")(?!\w)"
_SPONSORED = (r"\b(?:pre[\s\-]?arranged|pre[\s\-]?planned|orchestrated|engineered|masterminded|"
              r"staged|manufactured|scripted|plotted|planned|created|set\s+up)\s+by\s+")
_SPONSORED_ANCHORS = ("prearranged+by arranged+by preplanned+by planned+by orchestrated+by engineered+by "
                      "masterminded+by staged+by manufactured+by scripted+by plotted+by created+by set+up+by")
_PLANNED_ANCHORS = (
    "prearranged arranged preplanned planned orchestrated engineered staged manufactured scripted masterminded "
    "premeditated fabricated faked hoax flag inside psy psyop psyops set setup fake deliberate intentional "
    "accident design"
)
_HIDDEN_ACTOR_ANCHORS = (
    "deep+state deepstate shadow+government cabal new+order nwo globalist globalists global+elite global+elites "
    "illuminati freemason freemasons bilderberg bilderbergers puppet+master puppet+masters puppetmaster "
    "puppetmasters powers+be tptb hidden+hand secret+society secret+societies luciferian luciferians satanist "
    "satanists satanic reptilian reptilians committee+300 controllers world+government cult"
)

PATTERNS: tuple[_Pattern, ...] = (
    # hidden agent ----------------------------------------------------------------------------
    _lexicon("hidden_agent", _HIDDEN_ACTOR_ANCHORS, HIDDEN_ACTORS),
    _lexicon("hidden_agent", "strings curtain behind+all behind+it behind+everything hand+in rulers masters "
                             "owners+real owners+true enemy+real enemy+true enemies+real enemies+true "
                             "culprits handlers overlords who+control ones+control ones+charge", (
        "pulling the strings", "pulls the strings", "behind the curtain", "behind it all",
        "behind all (?:of )?(?:this|that|it)", "behind everything",
        "(?:has|had|have) a hand in (?:all )?(?:this|that|it)",
        "the (?:real|true) (?:rulers|masters|owners|enemy|enemies|culprits)", "their (?:masters|handlers|overlords)",
        "(?:they|them) who control", "the ones (?:in control|really in charge)",
    )),
    # A rhetorical question that implies a hidden creator or sponsor: "who created Al Qaeda?"
    _rule("hidden_agent", "who+created who+invented who+funds who+funded who+finances who+financed who+armed "
                          "who+behind who+benefits who+pays",
          r"\bwho\s+(?:really\s+|actually\s+)?(?:created|invented|funds|funded|finances|financed|"
          r"armed|is\s+(?:really\s+)?behind|was\s+(?:really\s+)?behind|benefits|"
          r"pays\s+for)\b(?:[ \t]+(?:the[ \t]+)?(?P<name>[\w\-]+))?", names="optional"),
    # "created by the CIA": something attributed to a sponsor that conspiracy discourse casts as hidden.
    _rule("hidden_agent", _SPONSORED_ANCHORS, _SPONSORED + _KNOWN_AGENT),
    # "... pre arranged by Maliki": any named sponsor, but only in a sentence that already frames a plot
    # (weak), since "the article was created by Sasata" and "planned by Sarah" are everyday talk.
    _rule("hidden_agent", _SPONSORED_ANCHORS, _SPONSORED + r"(?P<name>[^\W\d_][\w\-]*)", strong=False,
          names="required"),
    # malicious intent ------------------------------------------------------------------------
    _lexicon("malicious_intent", "depopulate depopulated depopulates depopulating depopulation population cull "
                                 "culling eugenics plandemic scamdemic andemic bioweapon bioweapons bio weapon "
                                 "weapons+biological genocide genocideagenda agenda reset mind+control", (
        "depopulat(?:e|ed|es|ing|ion)", "population control", "cull(?:ing)? (?:the )?(?:population|herd|humanity)",
        "eugenics", "plandemic", "scamdemic", "p\\[l\\]andemic", "bio_weapons?", "bio_logical weapons?",
        "(?:planned|deliberate|intentional|global|slow|silent|medical|vaccine) genocide", "genocide_agenda",
        "(?:their|the|a|an) (?:evil|sinister|hidden|secret|real|globalist|satanic|nwo|depopulation|genocidal|"
        "communist|luciferian) agenda", "agenda (?:20)?(?:21|30)", "great reset", "mind control",
    )),
    _lexicon("malicious_intent", "poison poisoning sterilize sterilise sterilizing sterilising enslave "
                                 "enslaving microchip microchipping domination to+take+over to+rule to+control "
                                 "to+depopulate to+destroy to+dominate to+kill to+exterminate world+take+over "
                                 "world+rule world+dominate kill+off want+dead want+sick want+dependent "
                                 "want+enslaved want+chipped", (
        "(?:poison|poisoning|sterili[sz]e|sterili[sz]ing|enslave|enslaving|microchip|microchipping) "
        "(?:us|you|them|the (?:population|people|masses|public)|humanity|everyone|our children)",
        "(?:plan|plot|want|intend|seek|aim|scheme|try|trying)(?:s|ed|ing)? to (?:take over|rule|control|enslave|"
        "depopulate|destroy|dominate|kill|exterminate) (?:the world|the planet|humanity|everyone|us all|us|"
        "the population|the masses|america|the west|europe|mankind)",
        "(?:take over|rule|dominate) the world", "world domination",
        "kill off (?:the )?(?:population|masses|elderly|humanity)",
        "they want (?:us|you|everyone) (?:dead|sick|dependent|enslaved|chipped)",
    )),
    # Vaccine and medicine plots: "microchips in the vaccines", "poison in the jabs".
    _lexicon("malicious_intent", "microchip microchips chip chips nanobots nanobot nanotech nanotechnology "
                                 "nano+tech nano+technology nano+bots nano+bot micro+chip micro+chips tracking "
                                 "graphene poison poisons toxins toxin sterilization sterilisation sterilizing "
                                 "sterilising luciferase bioweapon bioweapons bio+weapon bio+weapons", (
        "(?:micro_?chips?|tracking (?:chips?|devices?)|nano_?bots?|nano_?tech(?:nology)?|graphene(?: oxide)?|"
        "poisons?|toxins|sterili[sz](?:ation|ing) agents?|luciferase) (?:in|inside|into|hidden in) "
        "(?:the |their |these |those |our |your |every )?(?:covid |mrna |flu )?(?:vaccines?|jabs?|shots?|vax|"
        "vaccinations?|injections?|boosters?)",
        "(?:vaccines?|jabs?|shots?|vax|boosters?) (?:are|is|contain|contains) (?:a )?(?:micro_?chips?|tracking "
        "(?:chips?|devices?)|nano_?bots?|poison|bioweapons?|sterili[sz]ation)",
    )),
    # A motive counts only when a plot is claimed in the same sentence ("planned ... in order to invade").
    _rule("malicious_intent", "in+order+to so+can so+could",
          r"\b(?:in\s+order\s+to|so\s+(?:that\s+)?(?:they|he|it)\s+(?:can|could))\s+"
          r"(?:\w+\s+){0,2}?(?:invade|control|destroy|enslave|justify|legitimi[sz]e|take\s+over|"
          r"take\s+control|depopulate|kill|divide|distract|scare|terrify|manipulate|occupy|"
          r"weaken|break|punish|crush|silence|track|monitor|surveil|spy\s+on|sterili[sz]e)\b", strong=False),
    _rule("malicious_intent", "to+control to+enslave to+depopulate to+track to+monitor to+scare to+terrify "
                              "to+manipulate to+divide to+distract to+silence",
          r"\bto\s+(?:control|enslave|depopulate|track|monitor|scare|terrify|manipulate|divide|distract|silence)"
          r"\s+(?:us|you|them|people|everyone|the (?:population|masses|people|public))\b", strong=False),
    _lexicon("malicious_intent", "pretext excuse justify", (
        "(?:legitimate |perfect |convenient )?pretext (?:to|for)", "as an excuse (?:to|for)",
        "to justify (?:the |an? )?(?:invasion|war|occupation)",
    ), strong=False),
    # accomplices ------------------------------------------------------------------------------
    _lexicon("accomplices", "puppet puppets stooge stooges lackey lackeys minions henchmen cronies idiots shill "
                            "shills controlled+opposition controlled+media controlled+press controlled+msm "
                            "in+on+it paid payroll mockingbird presstitute presstitutes bought complicit "
                            "crisis+actor crisis+actors fake+taliban fake+rebels fake+opposition "
                            "fake+jihadists fake+terrorists agents+their operatives lapdogs lapdog handlers", (
        "puppets?", "puppet (?:government|regime|media|leaders?|politicians?)", "stooges?", "lackeys?",
        "minions", "henchmen", "cronies", "useful idiots", "paid shills?", "shills?", "controlled opposition",
        "(?:are|is|were|was) (?:all )?in on it", "bought and paid for", "on (?:the|their) payroll",
        "(?:mockingbird|presstitute|bought|complicit|controlled) (?:media|press|msm)", "presstitutes",
        "crisis actors?", "paid (?:actors?|trolls?|agents?|provocateurs?)", "paid to (?:say|post|lie|push|write)",
        "doing what (?:she|he|they) (?:is|are) paid for", "fake (?:taliban|rebels|opposition|jihadists|terrorists)",
        "(?:is|are) complicit", "their (?:agents|operatives|lapdogs)", "lapdogs?", "handlers",
    )),
    # staged event / false flag --------------------------------------------------------------
    _lexicon("staged_event", "false flag flags inside psy psyop psyops crisis hoax hoaxes plandemic prearranged "
                             "arranged preplanned planned staged magical magically convenient conveniently "
                             "manufactured engineered orchestrated purpose allowed+happen", (
        "false flags?", "inside job", "psy_ops?", "crisis actors?", "hoax(?:es)?", "plandemic",
        "pre_arranged", "pre_planned", "staged (?:event|attack|shooting|bombing|incident|massacre|video|photos?|"
        "pandemic|crisis|terror attack)s?", "(?:is|was|were|are|been|all|totally|completely|obviously|clearly) staged",
        "magical(?:ly)? (?:appears?|appeared|reappears?|returns?|return|show(?:s|ed)? up|emerges?|materiali[sz]es?)",
        "magical (?:return|reappearance|appearance)", "(?:how|very|rather|so) convenient(?:ly)?",
        "(?:manufactured|engineered|orchestrated) (?:crisis|pandemic|war|attack|event|virus|famine|shortage)s?",
        "let (?:it|them|this) happen on purpose", "allowed (?:it|them|this) to happen",
    )),
    # "ISIL attack is pre arranged", "the whole thing is planned", "the pandemic was engineered".
    _rule("staged_event", _PLANNED_ANCHORS,
          r"\b" + _alt(EVENT_NOUNS) + _gap(4) + r"\W+" + _BE + _gap(2) + r"\W+" + _alt(PLANNED) + r"(?!\w)",
          claim=True),
    # "the government staged it", "they faked the whole thing": an actor is said to have staged an event.
    _rule("staged_event", "staged faked orchestrated engineered manufactured fabricated masterminded",
          r"\b(?:they|(?:the )?" + _alt(HIDDEN_ACTORS) + r"|the " + _alt((
              "government", "governments", "regime", "cia", "mossad", "fbi", "nsa", "elites?", "media", "state",
              "military", "pentagon", "establishment", "authorities", "democrats", "republicans", "left", "right",
              "west", "us government", "feds", "globalists", "bankers", "big pharma"))
          + r")\s+(?:\w+\s+)?(?:staged|faked|orchestrated|engineered|manufactured|fabricated|masterminded)\s+"
          r"(?:it|this|that|them|the whole thing|everything|it all|all of (?:it|this)|the (?:\w+ )?"
          + _alt(EVENT_NOUNS) + r")(?!\w)", claim=True),
    # "Sandy Hook was a false flag", "Pearl Harbor was an inside job": the two idioms claim a plot of any event.
    _rule("staged_event", "false+flag inside+job",
          r"\b" + _BE + r"\s+(?:(?:just|all|totally|clearly|obviously|simply|another|also)\s+)*(?:a|an|another)?\s*"
          r"(?:(?:\w+\s+)?false[\s\-]+flag|inside[\s\-]+job)(?!\w)", claim=True),
    # secret plot --------------------------------------------------------------------------------
    _lexicon("secret_plot", "secret secretly covertly clandestinely plot plotting scheme conspire conspires "
                            "conspired conspiring plan+real plan+true plan+master plan+grand plan+part planned "
                            "all+design all+connected all+orchestrated all+coordinated all+scripted coincidence "
                            "coincidences cover+truth cover+real cover+up+century coverup coverups", (
        "secret(?:ly)? (?:plans?|plots?|agendas?|plann(?:ed|ing)|plott(?:ed|ing))",
        "(?:secretly|covertly|clandestinely) (?:\\w+ )?(?:funded|funding|financed|financing|backed|backing|armed|"
        "arming|controlled|controlling|run|running|planned|planning|plotting|working|supported|supporting|"
        "trained|training|created|creating|coordinat(?:ed|ing)|orchestrat(?:ed|ing)|collud(?:ed|ing)|own(?:ed|s)?)",
        "in secret", "plot(?:ting)? to", "scheme to", "conspir(?:e|es|ed|ing) (?:to|with)",
        "(?:the|their) (?:real|true|master|grand) plan", "all part of the plan", "it(?:['’]s| is| was) all planned",
        "all (?:by design|connected|orchestrated|coordinated|scripted)", "(?:is|was|it['’]s) no coincidence",
        "(?:is|was|it['’]s) not a coincidence", "nothing (?:is|happens by) (?:a )?coincidence",
        "there are no coincidences", "cover(?:ing|ed)? (?:it |this |that )?up the (?:truth|real)",
        "cover_ups? of the (?:century|truth)", "(?:massive|global|huge|deliberate) cover_up",
    ), negatable=False),
    # Media cover-ups: "the media is covering it up", "the press buried the truth".
    _rule("secret_plot", "covering+up covered+up cover+up hiding burying buried suppressing suppressed hid",
          r"\b(?:the )?(?:media|msm|mainstream media|press|news|government|authorities|they|big pharma|"
          r"big tech|fact_checkers?)\s+(?:is\s+|are\s+|was\s+|were\s+|have\s+been\s+|has\s+been\s+)?"
          r"(?:covering|covered|cover|hiding|hid|hidden|burying|buried|suppressing|suppressed)\s+"
          r"(?:it|this|that|them|the (?:truth|evidence|facts|deaths|injuries|side effects|real numbers))"
          r"(?:\s+up)?(?!\w)"),
    _lexicon("secret_plot", "plan", (
        "trust the plan", "(?:the )?(?:elites?|globalists|cabal|deep state)(?:['’]s)? plan",
    ), negatable=False),
    # awakening call ---------------------------------------------------------------------------
    _lexicon("awakening_call", "sheeple wake awakening waking awake open+eyes research red+pill redpill "
                               "redpilled dots follow+money question+everything think+yourself "
                               "think+yourselves truth+out truth+revealed truth+free truth+prevail dark+light "
                               "share+before spread+word what+is+coming storm+coming wwg1wga join+resistance", (
        "sheeple", "wake up(?! call)(?=\\s*[,!.]|\\s+(?:people|sheeple|america|folks|everyone|world|sheep|now|"
        "and smell|to the truth)|\\s*$)", "(?:time|need|needs|have) to wake up", "please wake up",
        "(?:great|global|mass) awakening", "(?:are|is) waking up", "those (?:of us )?who are awake",
        "open your eyes", "do your own research", "research it yourself", "red_pill(?:ed)?",
        "connect the dots", "follow the money", "question everything", "think for yourselves?",
        "the truth (?:will|shall) (?:come out|be revealed|set you free|prevail)", "dark to light",
        "share (?:this )?before (?:it['’]s|it is|it gets|they) (?:deleted|removed|censored|taken down|delete)",
        "spread the word", "what is coming", "the storm is coming", "wwg1wga", "join the resistance",
    ), negatable=False),
    _rule("awakening_call", "wake", r"\bWAKE\s+UP\b", negatable=False, original_case=True),
    # self-sealing evidence -------------------------------------------------------------------
    _lexicon("self_sealing", "want+know want+see want+hear want+find want+read want+wake won+tell won+report "
                             "won+show won+cover won+mention not+tell not+report not+show not+cover not+mention "
                             "never+tell never+report never+show never+cover never+mention refuse+tell "
                             "refuses+tell refuse+report refuses+report t+tell t+report t+show t+cover "
                             "t+mention conspiracy fact+checker fact+checkers factcheckers factchecker "
                             "want+think want+believe deny denied evidence+lack evidence+absence "
                             "nobody+talking nobody+reporting one+talking one+reporting media+talking "
                             "media+reporting hidden+truth suppressed censored buried delete censor remove+this "
                             "remove+me ban+this ban+me", (
        "(?:they|the (?:media|government|elites?)) (?:don['’]t|do not|doesn['’]t|does not) want (?:you|us|people) "
        "to (?:know|see|hear|find out|read|wake up)",
        "(?:the )?(?:mainstream |main stream |corporate )?(?:media|msm|news|press) (?:won['’]t|will not|will never|"
        "refuses? to|never|doesn['’]t|does not) (?:tell|report|show|cover|mention)",
        "you (?:won['’]t|will not|will never) (?:hear|see|read) (?:this|about this|that|it) (?:on|in|from)",
        "(?:they|them|media|msm) (?:call|label|brand|dismiss)(?:s|ed)? (?:you|us|it|anyone|people)? ?(?:as )?"
        "(?:a |an )?conspiracy theor(?:y|ist|ists)",
        "(?:labell?ed|branded|dismissed|smeared) as (?:a )?conspiracy theor(?:y|ist|ists)",
        "(?:so_called )?fact_checkers?", "what they want you to (?:think|believe)",
        "of course they (?:deny|denied|will deny)", "(?:lack|absence) of evidence (?:is|proves)",
        "(?:why is|why isn['’]t) (?:nobody|no one|the media) (?:talking|reporting)",
        "(?:the )?truth (?:is|they are|they['’]re) (?:being )?(?:hidden|suppressed|censored|buried)",
        "(?:they['’]ll|they will) (?:delete|censor|remove|ban) (?:this|me|it)",
    ), negatable=False),
    # antisemitic trope -------------------------------------------------------------------------
    _lexicon("antisemitic_trope", "rothschild rothschilds rotschild rotschilds zog khazarian kazarian zionist "
                                  "zio zionazi zionazis jewish jews jewry synagogue happy+merchant talmudic goyim "
                                  "goy joo joos soros cultural+marxism cultural+marxist blood+libel", (
        "rot(?:h)?schilds?", "zog", "khazarian(?: mafia| mob| cabal)?", "kazarian(?: mafia)?",
        "zionist (?:occupied|occupation|controlled|control|bankers?|cabal|elites?|media|agenda|globalists?|"
        "puppets?|masters?|overlords?|lobby|plot|mafia)", "zio_(?:nazis?|puppets?|media)",
        "jewish (?:bankers?|banks|media|lobby|cabal|elites?|control|conspiracy|supremacy|mafia|plot|"
        "bolshevi(?:sm|ks?)|question)", "jews (?:control|own|run|rule|are behind|killed|did)",
        "international jewry", "synagogue of satan", "happy merchant", "talmudic", "goyim", "shabbos goy",
        "joos?", "soros_(?:funded|controlled|backed|owned|paid|puppets?|network|agenda|minions)",
        "(?:funded|controlled|backed|owned|paid|bankrolled|financed) by (?:george )?soros", "soros and his cronies",
        "cultural marxis[mt]", "blood libel",
    ), negatable=False),
    # The "echo" that marks a name as Jewish: (((name))). No gate words: it starts with a literal, fast to find.
    _rule("antisemitic_trope", "", r"\(\(\([^()]{1,40}\)\)\)", negatable=False),
    # replacement trope -------------------------------------------------------------------------
    _lexicon("replacement_trope", "replacement white+genocide kalergi eurabia invasion replaced outbred "
                                  "bred+out overrun swamped flooded invaded voters+import voters+importing "
                                  "voters+imported voters+imports electorate+import electorate+importing "
                                  "constituents demographic outbreed outbreeding breeding+out breed+out "
                                  "replace replacing", (
        "great replacement", "white genocide", "replacement (?:theory|migration|agenda|plan|level migration)",
        "(?:population|demographic|ethnic|white) replacement", "kalergi(?: plan)?", "eurabia",
        "(?:migrant|immigrant|muslim|refugee|third_world) invasion",
        "(?:being|be|are|getting|get) (?:replaced|outbred|bred out)",
        "(?:being|be|are|getting|get) (?:overrun|swamped|flooded|invaded) by (?:\\w+\\W+){0,5}?(?:migrants?|"
        "immigrants?|illegals|illegal aliens|foreigners|refugees|muslims|moochers|invaders|third_worlders?)",
        "(?:being|be|are|getting|get) (?:overrun|swamped|flooded|invaded) by (?:\\w+\\W+){0,5}?third_world",
        "import(?:ing|ed|s)? (?:new |more |millions of )?(?:voters|electorate|constituents)",
        "(?:welcome|welcoming|welcomes) (?:these |their |the )?new constituents",
        "demographic (?:warfare|war|jihad|weapon)", "outbreed(?:ing)? (?:us|whites|europeans)", "breed(?:ing)? us out",
        "replac(?:e|ing) (?:us|white (?:people|voters|americans|europeans)|native (?:people|populations?|voters)|"
        "the native population)",
    ), negatable=False),
)


#: Every gate word of every pattern: a reply sharing none of them runs only the ungated patterns.
_ALL_GATE_WORDS: frozenset[str] = frozenset().union(*(p.gate_words for p in PATTERNS))
_UNGATED: tuple[_Pattern, ...] = tuple(p for p in PATTERNS if not p.gate_words)
_CLAIMS: tuple[_Pattern, ...] = tuple(p for p in PATTERNS if p.claim)

_NEXT_NAME_WORD = re.compile(r"[ \t]+[A-Z][\w\-]*")
#: Words a name may run on for after its first ("by Nouri al-Maliki", "who created Al Qaeda").
MAX_NAME_WORDS = 2


def _lower_same_length(text: str) -> str:
    """``text.lower()``, keeping the length (and so the offsets) for the few letters whose
    lower case is longer ("İ" becomes "i̇")."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _extend_name(text: str, end: int) -> int:
    for _ in range(MAX_NAME_WORDS):
        m = _NEXT_NAME_WORD.match(text, end)
        if m is None:
            break
        end = m.end()
    return end


def _sentence_bounds(text: str) -> list[int]:
    """Start offsets of the sentences (and lines) of ``text``."""
    return [0] + [m.end() for m in _SENTENCE_END.finditer(text)]


def _sentence_of(starts: list[int], pos: int) -> int:
    return bisect.bisect_right(starts, pos) - 1


def find_claims(text: str) -> list[Cue]:
    """The cues of ``text`` that claim an event was staged or planned, as a sentence says it.

    The same search as :func:`find_cues` (negated, dismissed and reported claims drop
    out), with only the claim constructions: "the moon landing was faked", "they
    staged it"; not a loaded word alone ("a hoax tag", "the Mediation Cabal").

    Examples
    --------
    >>> [c.text for c in find_claims("The moon landing was faked in a studio.")]
    ['moon landing was faked']
    >>> find_claims("I removed the hoax tag.") + find_claims("The landing was not faked.")
    []
    """
    return _find(text, _CLAIMS, ())


def find_cues(text: str) -> list[Cue]:
    """The conspiracy-framing cues in ``text``, sorted by position.

    Overlapping cues of the same kind are merged into the first, longest one;
    cues of different kinds may overlap (a span can be a staged event and name
    a hidden agent). Empty or non-string input has no cues. Only the first
    :data:`MAX_SCAN_CHARS` characters are searched.

    Examples
    --------
    >>> [(c.kind, c.text) for c in find_cues("ISIL attack is pre arranged by Maliki")]
    [('staged_event', 'attack is pre arranged'), ('hidden_agent', 'pre arranged by Maliki')]
    >>> find_cues("The government is lying about the vaccine numbers.")
    []
    """
    return _find(text, PATTERNS, _UNGATED)


def _find(text: str, patterns: tuple[_Pattern, ...], ungated: tuple[_Pattern, ...]) -> list[Cue]:
    """``find_cues`` over ``patterns``; ``ungated`` are those of them searched in every text."""
    if not isinstance(text, str) or not text:
        return []
    scan = text[:MAX_SCAN_CHARS]
    low = _lower_same_length(scan)
    words = _ALL_GATE_WORDS.intersection(_TOKEN.findall(low))
    raw: list[tuple[int, int, _Pattern]] = []
    for pat in patterns if words else ungated:
        if not pat.may_match(words):
            continue  # none of the words every match needs: skip the (slower) regex
        for m in pat.regex.finditer(scan if pat.original_case else low):
            end = m.end()
            if pat.names and m.group("name") is not None:
                if scan[m.start("name")].isupper():
                    end = _extend_name(scan, m.end("name"))
                elif pat.names == "required":
                    continue  # "planned by some guy": no named sponsor
            if end > m.start():
                raw.append((m.start(), end, pat))
    if not raw:
        return []
    starts = _sentence_bounds(scan)
    sentences_with_strong: set[int] = set()
    kept: list[tuple[int, int, _Pattern, int]] = []
    for start, end, pat in raw:
        sent = _sentence_of(starts, start)
        sent_start = starts[sent]
        sent_end = starts[sent + 1] if sent + 1 < len(starts) else len(scan)
        if pat.negatable:
            before = low[max(sent_start, start - NEGATION_WINDOW):start]
            if _NEGATORS.search(before):
                continue
        if pat.kind != "self_sealing" and _DISMISSAL.search(low, sent_start, sent_end):
            continue
        if _REPORTED.search(low, sent_start, sent_end) and _CONTRAST.search(low, sent_start, sent_end):
            continue  # "some say the landing was faked, but ...": the claim is reported, not made
        if pat.strong:
            sentences_with_strong.add(sent)
        kept.append((start, end, pat, sent))
    cues = sorted(
        ((s, e, p.kind) for s, e, p, sent in kept if p.strong or sent in sentences_with_strong),
        key=lambda c: (c[0], -c[1]),
    )
    merged: list[Cue] = []
    last_end: dict[str, int] = {}
    for s, e, kind in cues:
        if s < last_end.get(kind, -1):
            continue  # overlaps an earlier, longer cue of the same kind
        last_end[kind] = e
        merged.append(Cue(kind, s, e, text[s:e]))
    return merged


def counts_of(cues_per_text: Iterable[Sequence[Cue]]) -> np.ndarray:
    """Cue counts per text and kind from already-found cues: ``(n_texts, len(CUE_KINDS))``.

    Examples
    --------
    >>> counts_of([find_cues("it was a false flag"), []]).sum(axis=1).tolist()
    [1.0, 0.0]
    """
    index = {k: i for i, k in enumerate(CUE_KINDS)}
    rows = []
    for cues in cues_per_text:
        row = [0.0] * len(CUE_KINDS)
        for cue in cues:
            row[index[cue.kind]] += 1.0
        rows.append(row)
    return np.asarray(rows, dtype=float).reshape(len(rows), len(CUE_KINDS))


def cue_counts(texts: Iterable[str]) -> np.ndarray:
    """Cue counts per text and kind: an ``(n_texts, len(CUE_KINDS))`` float array.

    Examples
    --------
    >>> cue_counts(["wake up sheeple, it was a false flag", "nice weather"]).tolist()
    [[0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    """
    return counts_of(find_cues(t) for t in texts)

