"""Keys for the reviewer: the key map, and the escape-sequence filter fed by prompt_toolkit's own parser."""

from __future__ import annotations

import pytest
from prompt_toolkit.input.vt100_parser import Vt100Parser

from modkit.errors import ConfigError
from modkit.review.keys import DEFAULT_KEYS, EscapeFilter, KeyMap


def _commands(data: str, keymap: KeyMap | None = None) -> list[str]:
    """The commands a terminal's bytes would run, the way the reviewer reads them."""
    keymap = keymap or KeyMap()
    esc = EscapeFilter(gap=60)  # one burst: the whole string arrives at once
    out: list[str] = []

    def take(press):
        key = press.key if isinstance(press.key, str) else press.key.value
        if esc.swallow(key) or len(key) != 1:
            return
        command = keymap.command(key)
        if command:
            out.append(command)

    parser = Vt100Parser(take)
    parser.feed(data)
    parser.flush()
    return out


@pytest.mark.parametrize("sequence", [
    "\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D", "\x1b[H", "\x1b[F", "\x1b[1~", "\x1b[4~", "\x1bOP", "\x1b[11~",
    "\x1b[15;2~", "\x1b[1;5A", "\x1b[200~t c b f s u q\x1b[201~", "\x1b[116u", "\x1b[57399u", "\x1b[?1;2c",
    "\x1b]11;rgb:0000/0000/0000\x07", "\x1b]52;c;dGNiZg==\x1b\\", "\x1bt", "\x1b\x1b[B", "TCBFSUQ",
])
def test_no_escape_sequence_or_upper_case_key_runs_a_command(sequence):
    assert _commands(sequence) == []
    assert _commands(sequence + "t") == ["toxic"]  # the key right after it still counts


def test_plain_keys_run_their_commands_in_order():
    assert _commands("tcbfsuxq") == ["toxic", "conspiracy", "both", "fine", "skip", "undo", "flag", "quit"]


def test_a_lone_escape_pressed_by_hand_does_not_eat_the_next_key():
    esc = EscapeFilter(gap=0.0)
    assert esc.swallow("escape")
    assert not esc.swallow("t")  # arrived after the gap: a keystroke of its own


def test_key_map_rebinds_and_refuses_clashes_and_unknown_commands():
    km = KeyMap.parse("toxic=y, fine=n, note=m")
    assert km.command("y") == "toxic" and km.command("n") == "fine" and km.command("t") is None
    assert set(KeyMap().keys) == set(DEFAULT_KEYS)
    for spec, msg in [("toxic=f", "'f' is bound to both toxic and fine"), ("rude=r", "'rude=r'"),
                      ("toxic=yy", "use one lower-case letter"), ("toxic=", "use one lower-case letter")]:
        with pytest.raises(ConfigError, match=msg):
            KeyMap.parse(spec)
