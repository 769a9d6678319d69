"""A throwaway PostgreSQL server in a temporary directory, for the tests and the benchmark.

Uses the server binaries of Debian's ``postgresql`` package (``initdb``, ``pg_ctl`` under
``/usr/lib/postgresql/*/bin``, or on ``PATH``). ``initdb`` refuses to run as root, so as root
the server runs as an unprivileged account (``nobody`` unless ``MODKIT_PG_USER`` names
another) through ``runuser``, and its directory is handed to that account. The server
listens on 127.0.0.1 on a free port with ``trust`` authentication: it is private to the
test run and removed by :meth:`TempPostgres.stop`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

#: Role that owns the temporary cluster (and appears in its URLs).
SUPERUSER = "modkit"


def server_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, newest version first; ``None`` if absent.

    Examples
    --------
    >>> server_bin() is None or (server_bin() / "pg_ctl").exists()
    True
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parts[4].split(".")])
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path and shutil.which("initdb") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """Start with :meth:`start`, use :attr:`url` / :meth:`create_database`, end with :meth:`stop`."""

    def __init__(self) -> None:
        self.bin = server_bin()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
        self.root = Path(tempfile.mkdtemp(prefix="modkit-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = os.environ.get("MODKIT_PG_USER", "nobody")
            if shutil.which("runuser") is None:
                raise RuntimeError("running as root without runuser: cannot start PostgreSQL unprivileged")
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._n = 0

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        # cwd: the unprivileged account may not be able to enter the caller's directory.
        return subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, check=False)

    def _check(self, res: subprocess.CompletedProcess, what: str) -> None:
        if res.returncode != 0:
            log = (self.root / "log").read_text(errors="replace")[-2000:] if (self.root / "log").exists() else ""
            raise RuntimeError(f"{what} failed: {res.stderr.strip() or res.stdout.strip()}\n{log}")

    @property
    def url(self) -> str:
        """URL of the ``postgres`` maintenance database."""
        return self.url_for("postgres")

    def url_for(self, db: str) -> str:
        """URL of database ``db`` on this server."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{db}"

    def start(self) -> TempPostgres:
        """initdb (first time) and start; waits until the server accepts connections."""
        if not self.data.exists():
            self._check(self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                                  "-E", "UTF8", "--locale=C", "--no-sync"), "initdb")
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                "-c max_connections=60")
        self._check(self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", opts,
                              "-w", "-t", "60", "start"), "pg_ctl start")
        return self

    def restart(self) -> None:
        """Stop (fast: connected sessions are cut) and start again, as an administrator's restart does."""
        self._check(self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"), "pg_ctl stop")
        self.start()

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        self._n += 1
        name = f"{prefix}{self._n}_{os.getpid()}"
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def stop(self) -> None:
        """Stop the server at once and delete its directory."""
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
