"""Where the label store lives when ``--store`` is not given.

The default is a per-user data file (``~/.local/share/modkit/labels.sqlite`` on
Linux, the platform's equivalent elsewhere), or ``$MODKIT_STORE`` when set. It is
never the repository's ``labels/labels.sqlite``: that is the committed seed
dataset, and a stray ``modkit label`` must not mix a new project's decisions into
it. The seed store is used only when named with ``--store``.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The committed seed store of the repository: read (agreement, export) only when named.
SEED_STORE = Path("labels") / "labels.sqlite"
#: Environment variable naming the store to use instead of the per-user default.
STORE_ENV = "MODKIT_STORE"


def default_store() -> str | Path:
    """The label store used when no ``--store`` is given: ``$MODKIT_STORE``, else a per-user data file.

    Read at call time, so a changed environment takes effect without re-importing.

    Examples
    --------
    >>> os.environ[STORE_ENV] = "/tmp/mine.sqlite"
    >>> str(default_store())
    '/tmp/mine.sqlite'
    >>> del os.environ[STORE_ENV]
    >>> default_store().name, default_store() != SEED_STORE
    ('labels.sqlite', True)
    """
    named = os.environ.get(STORE_ENV, "").strip()
    if "://" in named:
        return named  # a database URL (see modkit.review.store), kept as typed
    if named:
        return Path(named).expanduser()
    from platformdirs import user_data_path

    return user_data_path("modkit", appauthor=False) / "labels.sqlite"
