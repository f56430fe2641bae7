"""A throwaway PostgreSQL cluster for the tests, like the redis-server the live tests start:
Debian's server binaries, a data directory in a temporary folder, a free loopback port.

Durability is off (fsync, full-page writes): the cluster lives for one test session. Its
collation is ICU's English with punctuation ignored, as linguistic collations (en_US …) of
production databases sort: region paths ("/1/4/9/") must still compare bytewise there.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "postgres"


def server_binaries() -> Path | None:
    """The newest installed server's bin folder (Debian: /usr/lib/postgresql/NN/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """initdb + pg_ctl in a temporary folder; databases made from a template in one statement."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="grassroots-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.numbers = itertools.count(1)
        # initdb refuses to run as root: the cluster belongs to the `postgres` user then.
        self.as_user = ["runuser", "-u", SUPERUSER, "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, SUPERUSER)

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        self._run(
            str(self.binaries / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale-provider",
            "icu",
            "--icu-locale",
            "en-u-ka-shifted",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off "
            "-c max_connections=300 -c shared_buffers=64MB"
        )
        self._run(
            str(self.binaries / "pg_ctl"),
            "--pgdata",
            str(self.data),
            "--options",
            options,
            "--log",
            str(self.root / "server.log"),
            "--wait",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(
                str(self.binaries / "pg_ctl"), "--pgdata", str(self.data), "-m", "immediate", "stop"
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_name(self, prefix: str = "test") -> str:
        return f"{prefix}_{next(self.numbers)}"

    def create(self, name: str, *, template: str | None = None) -> str:
        """A new database (a copy of `template`, or empty); returns its URL."""
        source = f' TEMPLATE "{template}"' if template else ""
        self.execute(f'CREATE DATABASE "{name}"{source}')
        return self.url(name)

    def execute(self, sql: str, database: str = "postgres") -> None:
        psql = [str(self.binaries / "psql"), "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1"]
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--username", SUPERUSER]
        subprocess.run(
            [*psql, *where, "--dbname", database, "--command", sql], check=True, capture_output=True
        )
