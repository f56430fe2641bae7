"""A throwaway PostgreSQL cluster for the benchmarks: Debian's server binaries, a data
directory of its own, a free loopback port, and durability ON (fsync, synchronous_commit,
full-page writes), unlike the tests' cluster: a benchmark of durable writes must pay for
them."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from httpload import free_port

SUPERUSER = "postgres"


def binaries() -> Path | None:
    """The newest installed server's bin folder (Debian: /usr/lib/postgresql/NN/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class DurableCluster:
    """In a temporary folder of its own (the `postgres` user must be able to reach it)."""

    def __init__(self) -> None:
        found = binaries()
        if found is None:
            raise SystemExit("PostgreSQL's server is not installed (apt-get install postgresql)")
        self.bin = found
        self.root = Path(tempfile.mkdtemp(prefix="grassroots-bench-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        # initdb refuses to run as root: the cluster belongs to the `postgres` user then.
        self.as_user = ["runuser", "-u", SUPERUSER, "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        if self.as_user:
            shutil.chown(self.root, SUPERUSER)
        self._run(
            str(self.bin / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} "
            "-c fsync=on -c synchronous_commit=on -c full_page_writes=on "
            "-c max_connections=100 -c shared_buffers=128MB"
        )
        self._run(
            str(self.bin / "pg_ctl"),
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
            self._run(str(self.bin / "pg_ctl"), "--pgdata", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def cpu_seconds(self) -> float:
        """The CPU seconds the cluster has used so far: the postmaster, its live processes
        (backends, WAL writer, checkpointer …) and its children that have exited."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it exited meanwhile
            pid, parent = int(stat.parent.name), int(fields[1])
            if pid == postmaster or parent == postmaster:
                total += int(fields[11]) + int(fields[12])  # utime, stime
                if pid == postmaster:
                    total += int(fields[13]) + int(fields[14])  # its exited children's
        return total / os.sysconf("SC_CLK_TCK")

    def create(self, name: str) -> str:
        self._psql("postgres", f'CREATE DATABASE "{name}"')
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def _psql(self, database: str, sql: str) -> str:
        return psql(f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}", sql)


def psql(url: str, sql: str) -> str:
    psql_bin = (binaries() or Path("/usr/bin")) / "psql"
    if not psql_bin.exists():
        psql_bin = Path(shutil.which("psql") or "psql")
    done = subprocess.run(
        [str(psql_bin), "--no-psqlrc", "--quiet", "-tA", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def count(url: str, sql: str) -> int:
    return int(psql(url, sql))
