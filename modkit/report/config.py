"""The report's thresholds: one named field each, with the reason for its default.

Every number the detectors and the risk rules use lives here, so a team can tune
them in one place (a ``[report]`` section of a TOML file, or a dict) and every
report records the values it was made with.
"""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from modkit.errors import ConfigError


def _t(default: float | int, reason: str) -> Any:
    """A threshold field: its default and the reason for it (kept in the field's metadata)."""
    return field(default=default, metadata={"reason": reason})


@dataclass(frozen=True, slots=True)
class ReportConfig:
    """Named thresholds of the escalation report. Scores are in [0, 1].

    A reply's *toxicity* ``tox(r)`` is its highest toxicity-attribute score. It counts
    as *toxic* when the score stage flagged it for a toxicity attribute (its
    ``flag_reasons``); a table without ``flag_reasons`` falls back to
    ``tox(r) >= toxic_threshold``. *Conspiratorial* works the same way with
    ``conspiracy`` and ``conspiracy_threshold``. See ``METRICS.md`` beside this module
    for every definition.

    Examples
    --------
    >>> ReportConfig().exchange_min_turns
    4
    >>> ReportConfig.from_dict({"exchange_min_turns": 6}).exchange_min_turns
    6
    >>> ReportConfig.reason("pileon_min_authors")
    'three or more distinct authors: two are an exchange, not a crowd'
    """

    toxic_threshold: float = _t(
        0.5, "the midpoint of a probability-like score, the score stage's default flag threshold; "
             "used only when the table has no flag_reasons column")
    conspiracy_threshold: float = _t(
        0.5, "as toxic_threshold, for the conspiracy score")
    remove_threshold: float = _t(
        0.8, "well past the flag threshold, where a classifier's positives are rarely wrong: "
             "removal is the one action that hides a reply from everyone")
    severe_attributes: tuple[str, ...] = field(
        default=("severe_toxicity", "threat"),
        metadata={"reason": "attributes that make one reply urgent on its own: a threat or severe abuse "
                            "needs a moderator now, whatever else the thread holds"})
    path_min_rise: float = _t(
        0.5, "a root-to-leaf path that climbs by half the score range went from calm to toxic")
    exchange_min_turns: int = _t(
        4, "each author speaks at least twice: one reply and one retort are not yet a back-and-forth")
    exchange_min_rise: float = _t(
        0.3, "the scores climb by more than scorer noise (about a tenth) plus a clear step up")
    exchange_min_peak: float = _t(
        0.5, "some turn reaches the flag midpoint: two calm authors disagreeing more sharply are "
             "not heated")
    exchange_min_hostile_each: int = _t(
        1, "both sides attack: one author needling a calm one is a single author's problem (a warning or "
           "a removal), not a heated exchange")
    pileon_min_authors: int = _t(
        3, "three or more distinct authors: two are an exchange, not a crowd")
    subtree_min_size: int = _t(
        3, "a reply with at least two replies under it; a single toxic reply is handled by removal")
    subtree_min_toxic: int = _t(
        2, "more than one toxic reply: a single one is handled by removing it")
    subtree_min_share: float = _t(
        0.5, "at least half the scored replies are toxic: the subthread is mostly hostile, so "
             "collapse it")
    subtree_lock_share: float = _t(
        0.75, "three in four replies toxic: little is left worth keeping open, so lock it")
    offender_min_toxic: int = _t(
        2, "one toxic reply is a lapse; a second in the same thread is a pattern worth a warning")
    offender_timeout_toxic: int = _t(
        4, "twice the warning level: a warning did not (or would not) stop them")
    cluster_max_gap: int = _t(
        1, "framing spreads when a direct reply picks it up; farther descendants may be "
           "answering something else")
    urgent_min_patterns: int = _t(
        3, "three different intervene-level patterns at once: the thread is out of control, "
           "not just one bad exchange")
    top_evidence: int = _t(
        5, "a moderator can read five replies with their parents in a minute or two")
    excerpt_chars: int = _t(
        280, "a short post's length: enough to judge a reply, short enough to scan")

    # --- loading -----------------------------------------------------------------------
    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> ReportConfig:
        """A config from ``{name: value}``; unknown names and bad values raise :class:`ConfigError`.

        Examples
        --------
        >>> ReportConfig.from_dict({"toxic_threshold": 2})
        Traceback (most recent call last):
        ...
        modkit.errors.ConfigError: report threshold toxic_threshold=2 must be in [0, 1]
        >>> ReportConfig.from_dict({"toxic_treshold": 0.6})
        Traceback (most recent call last):
        ...
        modkit.errors.ConfigError: unknown report setting 'toxic_treshold'; valid settings: ...
        """
        values = dict(values or {})
        known = {f.name: f for f in fields(cls)}
        for name in values:
            if name not in known:
                raise ConfigError(f"unknown report setting {name!r}; valid settings: {', '.join(known)}")
        out: dict[str, Any] = {}
        for name, value in values.items():
            default = known[name].default
            if isinstance(default, tuple):
                if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"report setting {name} must be a list of attribute names")
                out[name] = tuple(value)
            elif isinstance(default, int) and not isinstance(default, bool):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ConfigError(f"report setting {name}={value!r} must be a whole number >= 0")
                out[name] = value
            else:
                if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
                    raise ConfigError(f"report threshold {name}={value!r} must be in [0, 1]")
                out[name] = float(value)
        config = cls(**out)
        config.validate()
        return config

    def validate(self) -> None:
        """Raise :class:`ConfigError` when settings contradict each other.

        Examples
        --------
        >>> ReportConfig(subtree_lock_share=0.4).validate()
        Traceback (most recent call last):
        ...
        modkit.errors.ConfigError: subtree_lock_share (0.4) must be >= subtree_min_share (0.5)
        """
        pairs = (("subtree_lock_share", "subtree_min_share"),
                 ("offender_timeout_toxic", "offender_min_toxic"),
                 ("remove_threshold", "toxic_threshold"))
        for high, low in pairs:
            if getattr(self, high) < getattr(self, low):
                raise ConfigError(f"{high} ({getattr(self, high)}) must be >= {low} ({getattr(self, low)})")
        if self.exchange_min_turns < 2:
            raise ConfigError("exchange_min_turns must be at least 2: an exchange needs two authors")
        if self.cluster_max_gap < 1:
            raise ConfigError("cluster_max_gap must be at least 1 (a direct reply)")

    @classmethod
    def from_toml(cls, path: str | Path, section: str = "report") -> ReportConfig:
        """A config from the ``[report]`` section of a TOML file (missing section: defaults).

        Examples
        --------
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "modkit.toml")
        >>> _ = open(p, "w").write("[report]\\nremove_threshold = 0.9\\n")
        >>> ReportConfig.from_toml(p).remove_threshold
        0.9
        """
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read TOML ({exc})") from None
        body = data.get(section, {})
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: [{section}] must be a table of settings")
        return cls.from_dict(body)

    # --- describing ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-ready values."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def reason(cls, name: str) -> str:
        """Why a setting has its default value."""
        for f in fields(cls):
            if f.name == name:
                return f.metadata["reason"]
        raise ConfigError(f"unknown report setting {name!r}")

    def describe(self) -> list[tuple[str, Any, str]]:
        """``(name, value, reason)`` for every setting, in declaration order."""
        return [(f.name, getattr(self, f.name), f.metadata["reason"]) for f in fields(self)
                if f.default is not MISSING]
