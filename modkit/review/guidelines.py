"""The labelling guidelines shown to reviewers, and their version.

The canonical text is ``labels/GUIDELINES.md`` in the repository; the package
ships a copy so ``modkit review`` works anywhere. Each decision records the
version it was made under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_VERSION = re.compile(r"^Version:\s*(\S+)", re.M)
PACKAGED = Path(__file__).with_name("GUIDELINES.md")


@dataclass(frozen=True)
class Guidelines:
    """Guideline text and its version string.

    Examples
    --------
    >>> Guidelines.load().version
    '1.0'
    """

    text: str
    version: str

    @classmethod
    def load(cls, path: str | Path | None = None) -> Guidelines:
        """Read guidelines from ``path``, else ``labels/GUIDELINES.md`` here, else the packaged copy."""
        candidates = [Path(path)] if path else [Path("labels") / "GUIDELINES.md", PACKAGED]
        for p in candidates:
            if p.is_file():
                text = p.read_text(encoding="utf-8")
                m = _VERSION.search(text)
                return cls(text, m.group(1) if m else "unversioned")
        return cls("(no guidelines found)", "unversioned")
