"""Headless Chromium screenshots of the HTML reports at desktop and phone widths, and no sideways overflow.

The test installs nothing: it uses ``chromium``, ``chromium-browser`` or ``google-chrome`` from
PATH and is skipped, saying so, when there is none (``.ci/run`` installs Debian's chromium).
Screenshots go to pytest's tmp dir, or to ``$MODKIT_SCREENSHOTS`` when set (to look at them).

Headless Chromium will not make a window narrower than 500 px (``--window-size=390,…`` lays the
page out 500 px wide and crops the picture), so the browser is driven over the DevTools protocol
on a pipe (``--remote-debugging-pipe``, standard library only): the viewport is set to the
width wanted as a phone (``Emulation.setDeviceMetricsOverride``, which also honours the pages'
``<meta name=viewport>``), the page's ``scrollWidth`` and the elements that stick out are read
with ``Runtime.evaluate`` (the pages' Content-Security-Policy does not apply to it, so the pages
are tested as shipped), and ``Page.captureScreenshot`` takes the picture.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import itertools
import json
import os
import select
import shutil
import struct
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import modkit
from modkit.report import report

from .conftest import SEEDS

BROWSER = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium, chromium-browser or google-chrome on PATH (.ci/run installs chromium)")

WIDTHS = (1280, 390)
HEIGHT = 900
#: Hang protection for one reply from the browser, not a timing assertion.
REPLY_LIMIT_S = 120

#: What the page measures of itself, every fold opened: its width, the viewport's, and up to 12 elements or texts past the right edge.
MEASURE = """(() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });  // folded parts must fit too
  const root = document.documentElement, limit = root.clientWidth, wide = [];
  const name = (el) => el.tagName.toLowerCase()
    + (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > limit + 1) wide.push(name(el) + "@" + Math.round(box.right));
  }
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = texts.nextNode());) {  // words sticking out of a box that itself fits
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width > 0 && box.right > limit + 1) {
      wide.push("text in " + name(node.parentElement) + "@" + Math.round(box.right) + ": " + node.textContent.slice(0, 40));
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: limit, wide: wide.slice(0, 12)};
})()"""


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fd 3 in, fd 4 out)."""

    def __init__(self, profile: Path) -> None:
        to_chrome, self._out = os.pipe()
        self._in, from_chrome = os.pipe()

        def fds() -> None:
            # In the child: the pipe ends onto fds 3 and 4 (moved out of the way first, in case either
            # already is 3 or 4), left open across exec; every other pipe end is close-on-exec.
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in (to_chrome, from_chrome)]
            for target, fd in zip((3, 4), high):
                os.dup2(fd, target)
                os.set_inheritable(target, True)

        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        self.proc = subprocess.Popen(
            [BROWSER, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-extensions",
             "--hide-scrollbars", f"--user-data-dir={profile}", "about:blank"],
            close_fds=False, preexec_fn=fds, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_chrome)
        os.close(from_chrome)
        self._ids = itertools.count(1)
        self._buf = b""
        self._events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=self.session)

    def _read(self) -> dict:
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._in], [], [], REPLY_LIMIT_S)
            chunk = os.read(self._in, 1 << 20) if ready else b""
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:] if self.proc.poll() is not None else ""
                raise RuntimeError(f"no reply from {BROWSER}: {err}")
            self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: str | None = None, **params: object) -> dict:
        """Send one command and wait for its reply; events that arrive meanwhile are kept."""
        ident = next(self._ids)
        message = {"id": ident, "method": method, "params": params, **({"sessionId": session} if session else {})}
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def wait_for(self, event: str) -> None:
        while not any(e.get("method") == event for e in self._events):
            self._events.append(self._read())
        self._events.clear()

    def open(self, page: Path, width: int) -> None:
        """Load ``page`` in a viewport ``width`` x HEIGHT (a phone's below 600 px)."""
        self.call("Emulation.setDeviceMetricsOverride", session=self.session, width=width, height=HEIGHT,
                  deviceScaleFactor=1, mobile=width < 600)
        self._events.clear()
        self.call("Page.navigate", session=self.session, url=page.as_uri())
        self.wait_for("Page.loadEventFired")

    def measure(self) -> dict:
        return self.call("Runtime.evaluate", session=self.session, expression=MEASURE,
                         returnByValue=True)["result"]["value"]

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", session=self.session, format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):  # the browser may already be gone
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=REPLY_LIMIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._in, self._out):
            os.close(fd)
        self.proc.stderr.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("profile"))
    yield b
    b.close()


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header; fails unless the file is a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


# --- pages that stress a narrow screen ------------------------------------------------------------------
LONG_PATH = "/srv/moderation/exports/" + "/".join(f"2024-quarter-{i}-community-discussions" for i in range(6))
LONG_WORD = "https://example.org/" + "a-very-long-link-without-any-spaces-" * 8


def _stress_thread() -> pd.DataFrame:
    """A hostile thread with everything that is wide: long names, paths, words, links and a deep chain."""
    rows = [("p", None, "original_poster_with_a_remarkably_long_username", 0.05)]
    for i in range(4):
        rows += [(f"a{i}", rows[-1][0], "ann_the_incredibly_persistent_commenter", 0.55 + 0.1 * i),
                 (f"b{i}", f"a{i}", "bob_who_always_has_the_last_word_in_every_thread", 0.6 + 0.1 * i)]
    rows += [(f"x{i}", "p", f"piler_on_number_{i}_with_a_long_handle", 0.92) for i in range(5)]
    rows += [(f"d{i}", f"d{i - 1}" if i else "p", f"deep_{i}", 0.2) for i in range(45)]  # a long reply chain
    return pd.DataFrame([{
        "thread_id": "stress", "comment_id": cid, "parent_id": parent, "position": n, "author": author,
        "text": f"{LONG_WORD} you are an idiot {cid}", "flags": [], "source": LONG_PATH,
        "platform": "wordpress_html", "title": "A thread whose title goes on " + "and on " * 12,
        "toxicity": tox, "insult": tox, "threat": 0.0, "conspiracy": 0.0, "flagged": tox >= 0.5,
        "flag_reasons": ["insult"] if tox >= 0.5 else [], "url": f"https://blog.example.org/p/#comment-{n}",
        "toxicity_scorer": "fixture-1", "conspiracy_scorer": "fixture-1"}
        for n, (cid, parent, author, tox) in enumerate(rows)])


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """The index and thread reports of the stress thread and the seed thread 001 (scored by ``lite``)."""
    out = tmp_path_factory.mktemp("reports")
    seed = modkit.score(modkit.parse(str(next(SEEDS.glob("001_*.txt")))), toxicity="lite", conspiracy="conspiracy")
    report(pd.concat([_stress_thread(), seed], ignore_index=True), out, formats="html")
    return out


def _pages(out: Path) -> dict[str, Path]:
    seed = next(p for p in (out / "threads").glob("*.html") if not p.name.startswith(("stress", ".")))
    return {"index": out / "index.html", "stress": out / "threads" / "stress.html", "seed": seed}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["index", "stress", "seed"])
def test_screenshots_are_pngs_of_the_requested_width(reports, browser, tmp_path, name, width):
    shots = Path(os.environ.get("MODKIT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"{name}-{width}.png"
    browser.open(_pages(reports)[name], width)
    browser.screenshot(shot)
    assert _png_size(shot) == (width, HEIGHT)
    assert shot.stat().st_size > 5_000  # a rendered page, not a blank image


@pytest.mark.parametrize("name", ["index", "stress", "seed"])
def test_nothing_overflows_sideways_on_a_phone(reports, browser, name):
    browser.open(_pages(reports)[name], 390)
    m = browser.measure()
    assert m["clientWidth"] == 390
    assert m["scrollWidth"] <= m["clientWidth"], f"{name}: {m['scrollWidth']}px wide at 390px; sticking out: {m['wide']}"


def test_the_measurement_sees_an_overflow(reports, browser):
    """The check itself can fail: a page with a 600px-wide box is reported as overflowing."""
    page = reports / "threads" / "wide.html"
    page.write_text(_pages(reports)["stress"].read_text(encoding="utf-8").replace(
        "<main>", '<main><div class="too-wide" style="width:600px;height:10px"></div>', 1), encoding="utf-8")
    browser.open(page, 390)
    m = browser.measure()
    assert m["scrollWidth"] >= 600 and any(w.startswith("div.too-wide@") for w in m["wide"])
