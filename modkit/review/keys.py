"""The reviewer's key map, and the filter that keeps terminal escape sequences from becoming labels.

A terminal sends arrows, Home/End, function keys, bracketed pastes and terminal replies as
escape sequences (``ESC [ B`` for Down). prompt_toolkit parses the ones it knows into single
keys; :class:`EscapeFilter` swallows the rest whole (an unknown ``ESC [ 116 u`` would otherwise
end in ``u``, undo), so only a plain keystroke can ever run a command.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from modkit.errors import ConfigError

#: Command -> default key. Answers first: they are what a reviewer presses most.
DEFAULT_KEYS: dict[str, str] = {
    "toxic": "t", "conspiracy": "c", "both": "b", "fine": "f", "skip": "s",
    "undo": "u", "flag": "x", "note": "n", "expand": "e", "search": "/", "jump": "j",
    "previous": "p", "next": "o", "guidelines": "g", "help": "?", "quit": "q",
}


@dataclass(frozen=True)
class KeyMap:
    """Which single key runs which command.

    Examples
    --------
    >>> km = KeyMap.parse("toxic=y,fine=n,note=m")
    >>> km.command("y"), km.command("t"), km.keys["note"]
    ('toxic', None, 'm')
    >>> KeyMap.parse("toxic=T")
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: --keys: 'T' for toxic: use one lower-case letter, digit or punctuation mark
    """

    keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))

    @classmethod
    def parse(cls, spec: str | None) -> KeyMap:
        """The default map with ``command=key`` pairs (comma-separated) applied; refuses clashes."""
        keys = dict(DEFAULT_KEYS)
        for part in filter(None, (p.strip() for p in (spec or "").split(","))):
            command, sep, key = (x.strip() for x in part.partition("="))
            if not sep or command not in keys:
                raise ConfigError(f"--keys: {part!r}: use COMMAND=KEY with a command among: {', '.join(keys)}")
            if len(key) != 1 or not key.isprintable() or key.isspace() or key != key.lower():
                raise ConfigError(f"--keys: {key!r} for {command}: use one lower-case letter, digit "
                                  "or punctuation mark")
            keys[command] = key
        clash = [k for k in set(keys.values()) if list(keys.values()).count(k) > 1]
        if clash:
            both = [c for c, k in keys.items() if k == clash[0]]
            raise ConfigError(f"--keys: {clash[0]!r} is bound to both {both[0]} and {both[1]}")
        return cls(keys)

    def command(self, key: str) -> str | None:
        """The command bound to ``key`` (case-sensitive: an upper-case letter runs nothing)."""
        for command, k in self.keys.items():
            if k == key:
                return command
        return None

    def legend(self, commands: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
        """``[(key, command), ...]`` in map order, for the key line on screen."""
        return [(k, c) for c, k in self.keys.items() if commands is None or c in commands]


#: Bytes that open a sequence with a string body (OSC, DCS, APC, PM, SOS), ended by BEL or ESC \.
_STRING_OPENERS = set("]P_^X")


class EscapeFilter:
    """Swallows what is left of an escape sequence prompt_toolkit did not recognise.

    Feed it every key in order; it answers whether the key is part of a sequence (ignore it).
    A sequence's bytes arrive together; a key more than ``gap`` seconds after the escape is a new
    keystroke, so a lone Esc pressed by hand does not eat the next key.

    Examples
    --------
    >>> f = EscapeFilter()
    >>> [k for k in ["escape", "[", "1", "1", "6", "u", "t"] if not f.swallow(k)]
    ['t']
    >>> [k for k in ["escape", "]", "1", "1", ";", "r", "c-g", "b"] if not f.swallow(k)]
    ['b']
    """

    def __init__(self, gap: float = 0.05):
        self.gap = gap
        self.state = ""  # "" | "esc" | "csi" | "ss3" | "string" | "string-esc"
        self.since = 0.0

    def swallow(self, key: str) -> bool:
        """True when ``key`` (a character, or a prompt_toolkit key name such as ``escape``) is sequence debris."""
        now = time.monotonic()
        if self.state and now - self.since > self.gap and self.state not in ("string", "string-esc"):
            self.state = ""
        if key == "escape":
            self.state = "string-esc" if self.state == "string" else "esc"
            self.since = now
            return True
        state, self.state = self.state, ""
        if not state:
            return False
        self.since = now
        if state == "esc":
            self.state = {"[": "csi", "O": "ss3"}.get(key, "string" if key in _STRING_OPENERS else "")
        elif state == "csi":
            # Parameters and intermediates are 0x20-0x3F; the final byte (0x40-0x7E) ends it.
            if len(key) == 1 and " " <= key <= "?":
                self.state = "csi"
        elif state in ("string", "string-esc") and key != "c-g" and not (state == "string-esc" and key == "\\"):
            self.state = "string"
        return True
