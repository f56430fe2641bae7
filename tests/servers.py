"""Real `grassroots serve` processes for the tests: on a free loopback port, on the test's
database, ready once /readyz answers 200 (database and broker reachable)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], within: float = 30.0, log: Path | None = None
) -> None:
    """Until `url` answers 200; fails at once if the process exits meanwhile."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(errors="replace")[-4000:] if log else ""
            raise RuntimeError(f"server exited with {process.returncode}: {said}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise TimeoutError(url)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path | None = None  # where its stderr goes, if not to the test's

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def wait_ready(self) -> Server:
        wait_until_up(f"{self.url}/readyz", self.process, log=self.log)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as when the machine loses power."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM and wait for the graceful shutdown."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(30)


def spawn(
    data_dir: Path,
    database_url: str,
    *options: str,
    port: int | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Server:
    """Start a server without waiting for it; the scheduler is idle unless `env` says."""
    port = port or free_port()
    environment = {
        **os.environ,
        "GRASSROOTS_DATA_DIR": str(data_dir),
        "GRASSROOTS_DATABASE_URL": database_url,
        "GRASSROOTS_SCHEDULER_INTERVAL": "3600",
        **(env or {}),
    }
    command = [sys.executable, "-m", "grassroots.cli", "serve", "--port", str(port), *options]
    with log.open("ab") if log else contextlib.nullcontext() as sink:
        process = subprocess.Popen(
            command,
            env=environment,
            stdout=subprocess.DEVNULL if sink else None,
            stderr=sink,
        )
    return Server(port, process, log)


def start(
    data_dir: Path,
    database_url: str,
    *options: str,
    port: int | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Server:
    """Start a server and wait until it is ready."""
    return spawn(data_dir, database_url, *options, port=port, env=env, log=log).wait_ready()
