"""What the browser tests share: the demo server in a subprocess, a synchronous API client
that speaks to it as the demo's people, signing in through the page, and a TCP proxy whose
connections a test can cut as a network outage would."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from playwright.sync_api import CDPSession, Page

from ..client import LOGIN, PASSWORD, GraphQLFailure

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# From frontend.md: headless, and nothing that phones home from a machine that may be offline.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREEN = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def frontend_dir() -> Path:
    """The committed build, so CI tests what it ships; a helper may point elsewhere."""
    return Path(os.environ.get("GRASSROOTS_TEST_FRONTEND_DIR") or ROOT / "frontend" / "dist")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DemoServer:
    """`grassroots serve --demo --no-activity` on a loopback port and its own data directory:
    the demo city with its accounts and history, and nothing moving unless a test moves it."""

    def __init__(self, data_dir: Path, frontend: Path) -> None:
        self.data_dir = data_dir
        self.frontend = frontend
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, within: float = 300.0) -> None:
        env = os.environ | {
            "GRASSROOTS_DATA_DIR": str(self.data_dir),
            "GRASSROOTS_FRONTEND_DIR": str(self.frontend),
            # The escalation scheduler runs once at start-up, then not again during the tests.
            "GRASSROOTS_SCHEDULER_INTERVAL": "3600",
            # Every test signs in from 127.0.0.1: one session of tests is not an attack.
            "GRASSROOTS_RATE_LIMIT_LOGIN": "100000",
            "GRASSROOTS_RATE_LIMIT_MUTATIONS": "100000",
        }
        env.pop("GRASSROOTS_DATABASE_URL", None)
        command = [sys.executable, "-m", "grassroots.cli", "serve", "--demo", "--no-activity"]
        command += ["--port", str(self.port), "--log-level", "warning", "--plain-logs"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the demo server exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"the demo server did not start within {within:.0f}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    @property
    def hotline_token(self) -> str:
        """The 12345 hotline's INTEGRATION token, printed once when the demo was built."""
        found = re.search(r"INTEGRATION token 'hotline'.*: (\S+)", self.log.read_text())
        assert found, "the demo server printed no hotline token"
        return found.group(1)

    def report_many(self, count: int, prefix: str, *, batch: int = 100) -> None:
        """Report `count` cases ("<prefix> 1" …) as resident1 in 延青's first grid through the
        workflow itself, `batch` to a transaction: thousands of real events in seconds, which
        the server's event hub finds in the log (it reads it every couple of seconds) and
        streams to its subscribers. A loop over HTTP would take minutes."""
        with ThreadPoolExecutor(1) as pool:  # its own event loop, away from Playwright's
            pool.submit(asyncio.run, _report_many(self.data_dir, count, prefix, batch)).result()


async def _report_many(data_dir: Path, count: int, prefix: str, batch: int) -> None:
    from grassroots.db import atomic, close_db, init_db
    from grassroots.models import Account, Category, Region
    from grassroots.settings import Settings
    from grassroots.workflow.auth import load_actor
    from grassroots.workflow.cases import NewCase, report_case
    from grassroots.workflow.runtime import Runtime

    settings = Settings.from_env(environ={"GRASSROOTS_DATA_DIR": str(data_dir)})
    await init_db(settings.database_url, create=False)
    try:
        rt = Runtime.create(settings)
        actor = await load_actor(await Account.get(username="resident1"))
        category = await Category.get(code="heating.pipe-leak")
        grid = await Region.get(code="222401003001-01")
        for first in range(0, count, batch):
            async with atomic():
                for i in range(first, min(count, first + batch)):
                    draft = NewCase(
                        title=f"{prefix} {i + 1}",
                        description="난방 점검 供暖检查",
                        category_id=category.id,
                        region_id=grid.id,
                    )
                    await report_case(rt, actor, draft)
    finally:
        await close_db()


class SyncApi:
    """The GraphQL API over HTTP, as a demo account (password "grassroots") or a token."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.tokens: dict[str, str] = {}

    def close(self) -> None:
        self.http.close()

    def login(self, username: str) -> str:
        if username not in self.tokens:
            data = self.run(LOGIN, {"input": {"username": username, "password": PASSWORD}})
            assert data["login"]["userErrors"] == [], data["login"]["userErrors"]
            self.tokens[username] = data["login"]["token"]
        return self.tokens[username]

    def run(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        if body.get("errors"):
            raise GraphQLFailure(json.dumps(body["errors"], ensure_ascii=False))
        return body["data"]

    def as_user(
        self, username: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self.run(query, variables, token=self.login(username))


def sign_in(page: Page, base_url: str, username: str, path: str = "/") -> None:
    """Open `path` signed out and sign in through its LoginForm as a demo account."""
    page.goto(f"{base_url}{path}")
    form = page.locator("form.login")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")


def open_screen(page: Page, base_url: str, token: str, **params: str) -> None:
    """Open the wall screen the way one is set up on a display: its token in the address,
    with more parameters if given (region=<code or id>, lang=ko|zh|en)."""
    page.goto(f"{base_url}/screen?{urlencode({'token': token} | params)}")


def heap_used(cdp: CDPSession) -> int:
    """Bytes of the page's JS heap in use after a full collection (code included, which grows
    for a while as the engine compiles hot functions)."""
    cdp.send("HeapProfiler.collectGarbage")
    return int(cdp.send("Runtime.getHeapUsage")["usedSize"])


def heap_objects(cdp: CDPSession) -> int:
    """How many JS objects and functions the page's heap holds (a snapshot collects garbage
    first): a leak that keeps a few hundred bytes per event shows here, among compiled code
    that comes and goes, long before it shows in bytes."""
    chunks: list[str] = []

    def take(event: dict[str, Any]) -> None:
        chunks.append(event["chunk"])

    cdp.on("HeapProfiler.addHeapSnapshotChunk", take)
    try:
        cdp.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
    finally:
        cdp.remove_listener("HeapProfiler.addHeapSnapshotChunk", take)
    snapshot = json.loads("".join(chunks))
    meta = snapshot["snapshot"]["meta"]
    width = len(meta["node_fields"])
    kinds = meta["node_types"][0]
    wanted = {kinds.index("object"), kinds.index("closure")}
    at = meta["node_fields"].index("type")
    nodes = snapshot["nodes"]
    return sum(1 for i in range(at, len(nodes), width) if nodes[i] in wanted)


class CuttableProxy:
    """A TCP proxy to the server whose connections a test cuts: `cut()` drops every open
    connection and turns new ones away (as when a screen's network goes down) until
    `restore()`. The browser cannot tell it from a real outage."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.down = False
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                self._drop(s)

    def _drop(self, s: socket.socket) -> None:
        with self.lock:
            self.open.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()

    def cut(self) -> None:
        self.down = True
        with self.lock:
            dropping = list(self.open)
        for s in dropping:
            self._drop(s)

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        self.listener.close()
