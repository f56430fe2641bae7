"""Subscription fan-out benchmark (issue 3): one server, N wall screens, 200 events.

Prints figures next to their targets; it is never a timed test.

    .venv/bin/python bench/fanout.py                      # N = 100, then N = 1000
    .venv/bin/python bench/fanout.py -n 1000 --processes 4 --events 200 --rate 20
    .venv/bin/python bench/fanout.py -n 1000 --py-spy /tmp/fanout.txt   # profile the server

For each N: a fresh demo city (no history) in a temp data dir and ONE `grassroots serve`
process (memory broker). First the same mutations run with no subscriber (the baseline);
then N graphql-transport-ws connections, spread over several client processes (this file in
client mode), each as the wall screen `screen1` following 延青社区 with the same query, so the
server puts them all in one cohort. The driver then reports `events` cases into a 延青 grid
at `rate`/s, open loop; every client stamps each message on receipt, and receipt minus the
event's createdAt (written in the transaction of the change) is the commit-to-screen latency.
Server CPU and RSS come from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

# --- targets (issue 3) and the stock Strawberry figures measured on this machine ----------

TARGET_SUBSCRIBERS = 1000
TARGET_P99_MS = 100.0
TARGET_CPU_US = 50.0
TARGET_RSS_KB = 40.0
STOCK_CPU_US = 230.0
STOCK_P99_MS = 764.0
STOCK_RSS_KB = 92.0

SUBPROTOCOL = "graphql-transport-ws"
NEXT_MARKER = '"type":"next","payload":'
SCREEN = "screen1"  # DISPLAY of 연청 延青社区
REPORTER = "resident1"
PASSWORD = "grassroots"
COMMUNITY = "延青社区"
CATEGORY = "heating.pipe-leak"

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token userErrors { message } } }
"""
REGIONS = (
    "query Regions($level: RegionLevel) { regions(level: $level) { id nameZh parent { id } } }"
)
CATEGORIES = "{ categories { id code } }"
REPORT = """
mutation Report($input: ReportCaseInput!) {
  reportCase(input: $input) { case { id } userErrors { field message code } }
}
"""
EVENTS = """
query Events($regionId: ID!, $since: Int!) {
  events(regionId: $regionId, since: $since, first: 100) { seq }
}
"""
SUBSCRIPTION = "subscription { events(regionId: %s) { seq kind createdAt payload } }"

CLK_TCK = os.sysconf("SC_CLK_TCK")
THIS = Path(__file__).resolve()
SERVER_CPUS = {0}


# --- small helpers ---------------------------------------------------------------------


def raise_open_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else 1 << 20
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already in user
    return (total - idle) / CLK_TCK, total / CLK_TCK


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def grassroots_command() -> list[str]:
    script = Path(sys.executable).parent / "grassroots"
    return [str(script)] if script.exists() else [sys.executable, "-m", "grassroots.cli"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- client mode: many graphql-transport-ws connections in one process -------------------


@dataclass(eq=False)
class Subscriber:
    ready: bool = False
    deflate: bool = False  # permessage-deflate negotiated
    count: int = 0
    closed: str | None = None


@dataclass
class ClientState:
    connections: int
    subscribers: list[Subscriber] = field(default_factory=list)
    ready: int = 0
    threshold: int | None = None
    expected: int = 0
    done: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    all_ready: asyncio.Event = field(default_factory=asyncio.Event)
    all_done: asyncio.Event = field(default_factory=asyncio.Event)
    parsed: dict[str, tuple[int, float]] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def received(self, sub: Subscriber, now: float, raw: str | bytes) -> None:
        event = self.event_of(raw)
        if event is None:
            return
        if not sub.ready:
            sub.ready = True
            self.ready += 1
            if self.ready == self.connections:
                self.all_ready.set()
        seq, created = event
        if self.threshold is None or seq <= self.threshold:
            return
        self.latencies_ms.append(round((now - created) * 1e3, 3))
        sub.count += 1
        if sub.count == self.expected:
            self.done += 1
            if self.done == self.connections:
                self.all_done.set()

    def expect(self, expected: int) -> None:
        self.expected = expected
        self.done = sum(1 for s in self.subscribers if s.count >= expected)
        if self.done == self.connections:
            self.all_done.set()

    def event_of(self, raw: str | bytes) -> tuple[int, float] | None:
        """(seq, createdAt as a timestamp) of a `next` message. The members of a cohort get
        the same text but for their operation id: parse each event once per process, so the
        client's own CPU time disturbs the figures as little as it can."""
        text = raw if isinstance(raw, str) else raw.decode()
        _, marker, payload = text.partition(NEXT_MARKER)
        if marker:
            known = self.parsed.get(payload)
            if known is not None:
                return known
        message = json.loads(text)
        if message.get("type") != "next":
            self.problems[f"message {message.get('type')}: {str(message)[:200]}"] += 1
            return None
        event = message["payload"]["data"]["events"]
        found = (event["seq"], datetime.fromisoformat(event["createdAt"]).timestamp())
        if marker:
            if len(self.parsed) > 4096:
                self.parsed.clear()
            self.parsed[payload] = found
        return found


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _init_message(token: str) -> str:
    return json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})


def _subscribe_message(region: str) -> str:
    query = SUBSCRIPTION % json.dumps(region)
    return json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}})


class LeanSubscriber(asyncio.Protocol):
    """One connection on the websockets library's sans-I/O protocol: a message is stamped
    as soon as its bytes arrive, and no task wakes up per message, so the clients' own
    overhead stays out of the latency as far as it can (the benchmark measures the server).
    """

    def __init__(self, state: ClientState, args: argparse.Namespace) -> None:
        from websockets.client import ClientProtocol
        from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
        from websockets.uri import parse_uri

        deflate = args.compression == "deflate"
        self.state = state
        self.args = args
        self.sub = Subscriber()
        self.ws = ClientProtocol(
            parse_uri(args.url),
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            extensions=enable_client_permessage_deflate(None) if deflate else None,
        )
        self.transport: asyncio.Transport | None = None
        self.acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        self.ws.send_request(self.ws.connect())
        self._flush()

    def _flush(self) -> None:
        assert self.transport is not None
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Opcode
        from websockets.http11 import Response

        now = time.time()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if self.ws.handshake_exc is not None:
                    self._fail(self.ws.handshake_exc)
                else:
                    self.sub.deflate = bool(self.ws.extensions)
                    self.ws.send_text(_init_message(self.args.token).encode())
            elif event.opcode is Opcode.TEXT:
                if self.acked.done():
                    self.state.received(self.sub, now, bytes(event.data))
                elif json.loads(event.data).get("type") == "connection_ack":
                    self.ws.send_text(_subscribe_message(self.args.region).encode())
                    self.acked.set_result(None)
                else:
                    self._fail(RuntimeError(f"expected connection_ack, got {event.data!r}"))
            elif event.opcode is Opcode.CLOSE:
                self._fail(ConnectionError(f"closed {self.ws.close_code}"))
        self._flush()

    def _fail(self, error: BaseException) -> None:
        if not self.acked.done():
            self.acked.set_exception(error)
        elif self.sub.closed is None:
            self.sub.closed = str(error)
            self.state.problems[self.sub.closed] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionError("connection lost"))


async def _open_lean(
    state: ClientState, args: argparse.Namespace, gate: asyncio.Semaphore
) -> asyncio.Transport:
    from websockets.uri import parse_uri

    uri = parse_uri(args.url)
    async with gate:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_connection(
            lambda: LeanSubscriber(state, args), uri.host, uri.port
        )
        try:
            await asyncio.wait_for(protocol.acked, 60)
        except BaseException:
            transport.abort()
            raise
        state.subscribers.append(protocol.sub)
        return transport


async def _follow(state: ClientState, sub: Subscriber, socket_: Any) -> None:
    try:
        async for raw in socket_:
            state.received(sub, time.time(), raw)
    except Exception as error:  # a closed connection is a figure, not a crash
        sub.closed = type(error).__name__
    else:
        sub.closed = f"closed {socket_.close_code}"
    state.problems[sub.closed] += 1


async def _open_asyncio(
    state: ClientState, args: argparse.Namespace, gate: asyncio.Semaphore
) -> asyncio.Transport:
    """One connection on the websockets library's asyncio client, as an application would."""
    import websockets

    async with gate:
        socket_ = await websockets.connect(
            args.url,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            compression="deflate" if args.compression == "deflate" else None,
            ping_interval=None,  # keepalive pings would add server work to the measurement
            open_timeout=60,
            max_queue=None,
        )
        await socket_.send(_init_message(args.token))
        ack = json.loads(await asyncio.wait_for(socket_.recv(), 60))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"expected connection_ack, got {ack}")
        await socket_.send(_subscribe_message(args.region))
        sub = Subscriber(deflate=bool(socket_.protocol.extensions))
        state.subscribers.append(sub)
        state.tasks.add(asyncio.create_task(_follow(state, sub, socket_)))
        return socket_.transport


async def _command() -> dict[str, Any]:
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    return json.loads(line) if line.strip() else {"cmd": "exit"}


async def client_main(args: argparse.Namespace) -> None:
    raise_open_file_limit()
    state = ClientState(args.connections)
    gate = asyncio.Semaphore(64)
    open_one = _open_lean if args.client == "lean" else _open_asyncio
    opened = await asyncio.gather(
        *(open_one(state, args, gate) for _ in range(args.connections)), return_exceptions=True
    )
    transports = [o for o in opened if not isinstance(o, BaseException)]
    failures = [repr(o) for o in opened if isinstance(o, BaseException)]
    state.connections = len(transports)
    emit(
        {
            "event": "subscribed",
            "connections": len(transports),
            "deflate": sum(s.deflate for s in state.subscribers),
            "failures": failures[:3],
        }
    )
    ready_task = asyncio.create_task(state.all_ready.wait())
    ready_task.add_done_callback(lambda _: emit({"event": "ready"}))

    command = await _command()
    if command["cmd"] == "go":  # count what comes after the threshold
        state.threshold = command["threshold"]
        command = await _command()
    if command["cmd"] == "expect":  # the driver has counted the events it produced
        state.expect(command["expected"])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.all_done.wait(), command["timeout"])
        emit(
            {
                "event": "result",
                "connections": state.connections,
                "complete": state.done,
                "received": sum(s.count for s in state.subscribers),
                "latencies_ms": state.latencies_ms,
                "problems": dict(state.problems),
            }
        )
        command = await _command()
    ready_task.cancel()
    # Closing is not measured: drop the sockets without the closing handshake's wait.
    for transport in transports:
        with contextlib.suppress(Exception):
            transport.abort()
    await asyncio.sleep(0)


# --- the driver ----------------------------------------------------------------------------


@dataclass
class Run:
    subscribers: int
    processes: int
    events: int
    rate: float
    connected: int = 0
    deflate: int = 0  # connections with permessage-deflate negotiated
    expected: int = 0
    received: int = 0
    complete: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    rss_before_kb: int = 0
    rss_connected_kb: int = 0
    rss_after_kb: int = 0
    baseline_cpu_s: float = 0.0
    baseline_seconds: float = 0.0
    cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    driver_cpu_s: float = 0.0
    profiler_cpu_s: float = 0.0
    machine_busy_s: float = 0.0
    machine_total_s: float = 0.0
    produce_seconds: float = 0.0
    deliver_seconds: float = 0.0
    mutation_ms: list[float] = field(default_factory=list)
    baseline_mutation_ms: list[float] = field(default_factory=list)

    @property
    def cpu_per_message_us(self) -> float:
        return self.cpu_s / max(1, self.received) * 1e6

    @property
    def cpu_per_message_net_us(self) -> float:
        return (self.cpu_s - self.baseline_cpu_s) / max(1, self.received) * 1e6

    @property
    def others_cpu_s(self) -> float:
        """CPU time of everything but the server, the clients and this driver meanwhile."""
        ours = self.cpu_s + self.client_cpu_s + self.driver_cpu_s + self.profiler_cpu_s
        return max(0.0, self.machine_busy_s - ours)

    @property
    def disturbed(self) -> bool:
        return self.others_cpu_s > 0.1 * self.machine_total_s

    @property
    def rss_per_connection_kb(self) -> float:
        return (self.rss_connected_kb - self.rss_before_kb) / max(1, self.connected)


class Api:
    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=60)

    async def run(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]

    async def login(self, username: str) -> str:
        data = await self.run(LOGIN, {"input": {"username": username, "password": PASSWORD}})
        if data["login"]["userErrors"]:
            raise RuntimeError(data["login"]["userErrors"])
        return str(data["login"]["token"])


@dataclass
class City:
    screen_token: str
    reporter_token: str
    community_id: str
    grid_id: str
    category_id: str


async def find_city(api: Api) -> City:
    communities = (await api.run(REGIONS, {"level": "COMMUNITY"}))["regions"]
    community = next(r["id"] for r in communities if r["nameZh"] == COMMUNITY)
    grids = (await api.run(REGIONS, {"level": "GRID"}))["regions"]
    grid = next(r["id"] for r in grids if r["parent"]["id"] == community)
    categories = (await api.run(CATEGORIES))["categories"]
    category = next(c["id"] for c in categories if c["code"] == CATEGORY)
    return City(await api.login(SCREEN), await api.login(REPORTER), community, grid, category)


async def report(api: Api, city: City, title: str) -> float:
    """One reportCase as resident1; returns its round trip in ms."""
    started = time.perf_counter()
    variables = {
        "input": {
            "title": title,
            "description": "팬아웃 벤치마크 扇出基准测试",
            "categoryId": city.category_id,
            "regionId": city.grid_id,
        }
    }
    data = await api.run(REPORT, variables, city.reporter_token)
    if data["reportCase"]["userErrors"]:
        raise RuntimeError(data["reportCase"]["userErrors"])
    return (time.perf_counter() - started) * 1e3


async def produce(api: Api, city: City, count: int, rate: float, label: str) -> list[float]:
    """`count` reports at `rate`/s, open loop: a slow answer does not slow the schedule."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i in range(count):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(report(api, city, f"{label} {i + 1} 暖气管漏水")))
    return list(await asyncio.gather(*tasks))


async def count_events(api: Api, city: City, since: int = 0) -> tuple[int, int]:
    """How many events 延青's screens follow after `since`, and the last one's seq."""
    count = 0
    while True:
        rows = (
            await api.run(
                EVENTS, {"regionId": city.community_id, "since": since}, city.screen_token
            )
        )["events"]
        if not rows:
            return count, since
        count += len(rows)
        since = rows[-1]["seq"]


class Server:
    """One `grassroots serve` process on a fresh demo city without history."""

    def __init__(
        self, data_dir: Path, cpus: set[int] | None = None, script: str | None = None
    ) -> None:
        self.data_dir = data_dir
        self.cpus = cpus
        self.script = script
        self.port = free_port()
        self.env = {
            **os.environ,
            "GRASSROOTS_DATA_DIR": str(data_dir),
            "GRASSROOTS_SCHEDULER_INTERVAL": "3600",
            "GRASSROOTS_LIVE_POLL_SECONDS": "2",
            "GRASSROOTS_BROKER_URL": "memory://",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _spawn(self) -> None:
        subprocess.run(
            [*grassroots_command(), "demo", "--cases", "0"],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        command = [
            *([sys.executable, self.script] if self.script else grassroots_command()),
            "serve",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=out)
        if self.cpus:  # it has only just exec'd: the threads it starts later inherit this
            for task in Path(f"/proc/{self.process.pid}/task").iterdir():
                os.sched_setaffinity(int(task.name), self.cpus)

    async def start(self) -> None:
        self._spawn()
        assert self.process is not None
        async with httpx.AsyncClient(base_url=self.base, timeout=2) as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited:\n{self.log_path.read_text()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError("the server did not come up within 60 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Clients:
    """Client processes (this file, client mode), each holding a share of the connections."""

    def __init__(self) -> None:
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(
        self, url: str, token: str, region: str, shares: list[int], args: argparse.Namespace
    ) -> None:
        for share in shares:
            self.processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(THIS),
                    "client",
                    "--url",
                    url,
                    "--token",
                    token,
                    "--region",
                    region,
                    "--connections",
                    str(share),
                    "--compression",
                    args.compression,
                    "--client",
                    args.client,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    limit=1 << 28,
                )
            )

    async def read(self, process: asyncio.subprocess.Process, within: float) -> dict[str, Any]:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), within)
        if not line:
            raise RuntimeError(f"client {process.pid} exited with {await process.wait()}")
        return dict(json.loads(line))

    async def all(self, event: str, within: float) -> list[dict[str, Any]]:
        messages = await asyncio.gather(*(self.read(p, within) for p in self.processes))
        for message in messages:
            if message["event"] != event:
                raise RuntimeError(f"expected {event}, got {message['event']}")
        return messages

    async def tell(self, command: dict[str, Any]) -> None:
        for process in self.processes:
            if process.stdin is not None and process.returncode is None:
                with contextlib.suppress(ConnectionError):
                    process.stdin.write((json.dumps(command) + "\n").encode())
                    await process.stdin.drain()

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.tell({"cmd": "exit"})
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 20)
            except (TimeoutError, asyncio.CancelledError):
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        self.processes.clear()


async def wait_ready(api: Api, city: City, clients: Clients) -> int:
    """Send probe events until every connection has received one: then all subscriptions are
    registered. Returns how many probes it took."""
    pending = {p.pid for p in clients.processes}
    for probe in range(1, 11):
        await report(api, city, f"probe {probe}")
        deadline = time.monotonic() + 5
        while pending and time.monotonic() < deadline:
            for process in clients.processes:
                if process.pid not in pending:
                    continue
                with contextlib.suppress(TimeoutError):
                    message = await clients.read(process, 0.05)
                    if message["event"] == "ready":
                        pending.discard(process.pid)
        if not pending:
            return probe
    raise RuntimeError("some subscribers never received a probe event")


class Profiler:
    def __init__(self, pid: int, path: str | None) -> None:
        self.pid = pid
        self.path = path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if not self.path:
            return
        py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
        command = [py_spy, "record", "--pid", str(self.pid), "--rate", "250", "--nonblocking"]
        fmt = "flamegraph" if self.path.endswith(".svg") else "raw"
        command += ["--format", fmt, "-o", self.path]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)

    def cpu_seconds(self) -> float:
        """What the sampling has cost so far (on the clients' side when pinned)."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        with contextlib.suppress(OSError):
            return cpu_seconds(self.process.pid)
        return 0.0

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        if self.path and not self.path.endswith(".svg") and Path(self.path).exists():
            print_profile(Path(self.path))


def print_profile(path: Path, top: int = 20) -> None:
    """Where the server spent its samples (py-spy raw format: `frame;frame;… count`), by
    function: own time, and time including what it called."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        # "function (file.py:line)" → "function (file.py)": one entry per function
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    print(f"\nserver profile ({path}): {total} samples")
    for title, counter in (("own time", own), ("including callees", inclusive)):
        print(f"  top functions by {title}")
        for frame, samples in counter.most_common(top):
            print(f"    {samples / total * 100:5.1f}%  {frame}")


async def run_one(n: int, args: argparse.Namespace) -> Run:
    run = Run(n, min(args.processes, n), args.events, args.rate)
    data_dir = Path(tempfile.mkdtemp(prefix="grassroots-fanout-"))
    server = Server(data_dir, SERVER_CPUS if args.pin else None, args.server_script)
    clients = Clients()
    profiler: Profiler | None = None
    api: Api | None = None
    try:
        log(f"N={n}: demo city and server in {data_dir}")
        await server.start()
        api = Api(server.base)
        city = await find_city(api)

        # Warm the mutation path, then the baseline: the same mutations, no subscriber.
        _, before = await count_events(api, city)
        await produce(api, city, args.warmup, args.rate, "warm-up")
        produced, _ = await count_events(api, city, before)
        if produced != args.warmup:
            log(f"note: {produced} events for 延青's screens from {args.warmup} reportCase")
        await asyncio.sleep(0.5)
        cpu0 = cpu_seconds(server.pid)
        started = time.monotonic()
        run.baseline_mutation_ms = await produce(api, city, args.events, args.rate, "baseline")
        await asyncio.sleep(0.5)  # the hub reads the log after each commit
        run.baseline_cpu_s = cpu_seconds(server.pid) - cpu0
        run.baseline_seconds = time.monotonic() - started
        await asyncio.sleep(1.0)
        run.rss_before_kb = rss_kb(server.pid)

        # N subscribers over several processes, all in one cohort.
        log(f"N={n}: connecting {n} subscribers from {run.processes} processes")
        shares = [n // run.processes + (i < n % run.processes) for i in range(run.processes)]
        ws_url = server.base.replace("http://", "ws://") + "/graphql"
        await clients.start(ws_url, city.screen_token, city.community_id, shares, args)
        subscribed = await clients.all("subscribed", 300)
        run.connected = sum(m["connections"] for m in subscribed)
        run.deflate = sum(m["deflate"] for m in subscribed)
        for message in subscribed:
            for failure in message["failures"]:
                log(f"connection failed: {failure}")
        probes = await wait_ready(api, city, clients)
        log(f"N={n}: {run.connected} subscribed; all got a probe event ({probes} sent)")
        await asyncio.sleep(1.0)
        run.rss_connected_kb = rss_kb(server.pid)
        _, threshold = await count_events(api, city)

        # The measured run.
        await clients.tell({"cmd": "go", "threshold": threshold})
        profile = args.py_spy
        if profile and len(args.subscribers) > 1:  # one file per N
            stem, dot, ext = profile.rpartition(".")
            profile = f"{stem}-{n}.{ext}" if dot else f"{profile}-{n}"
        profiler = Profiler(server.pid, profile)
        profiler.start()
        cpu0 = cpu_seconds(server.pid)
        client_cpu0 = sum(cpu_seconds(p.pid) for p in clients.processes)
        driver_cpu0 = own_cpu_seconds()
        busy0, total0 = machine_cpu_seconds()
        started = time.monotonic()
        run.mutation_ms = await produce(api, city, args.events, args.rate, "fan-out")
        run.produce_seconds = time.monotonic() - started
        run.expected, _ = await count_events(api, city, threshold)
        await clients.tell({"cmd": "expect", "expected": run.expected, "timeout": args.timeout})
        results = await clients.all("result", args.timeout + 30)
        run.deliver_seconds = time.monotonic() - started
        run.cpu_s = cpu_seconds(server.pid) - cpu0
        run.client_cpu_s = sum(cpu_seconds(p.pid) for p in clients.processes) - client_cpu0
        run.driver_cpu_s = own_cpu_seconds() - driver_cpu0
        run.profiler_cpu_s = profiler.cpu_seconds()
        busy1, total1 = machine_cpu_seconds()
        run.machine_busy_s, run.machine_total_s = busy1 - busy0, total1 - total0
        run.rss_after_kb = rss_kb(server.pid)
        profiler.stop()
        for result in results:
            run.received += result["received"]
            run.complete += result["complete"]
            run.latencies_ms += result["latencies_ms"]
            run.problems.update(result["problems"])
        run.latencies_ms.sort()
        print_run(run, args)
        return run
    finally:
        if profiler is not None:
            profiler.stop()
        await clients.stop()
        if api is not None:
            await api.http.aclose()
        server.stop()
        if args.keep:
            log(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# --- output ----------------------------------------------------------------------------


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(sorted(values), q):.1f} ms" if values else "-"


def print_run(run: Run, args: argparse.Namespace) -> None:
    lat = run.latencies_ms
    print(
        f"\nN={run.subscribers}: {run.connected} connected over {run.processes} processes; "
        f"{run.received}/{run.connected * run.expected} messages delivered, "
        f"{run.complete}/{run.connected} subscribers got all {run.expected}; "
        f"permessage-deflate on {run.deflate} of them"
    )
    print(
        f"  latency commit→receipt  p50 {percentile(lat, 0.5):.1f} ms  "
        f"p99 {percentile(lat, 0.99):.1f} ms  max {lat[-1] if lat else math.nan:.1f} ms"
    )
    print(
        f"  events produced in {run.produce_seconds:.2f} s, all delivered after "
        f"{run.deliver_seconds:.2f} s; reportCase round trip p50 {_ms(run.mutation_ms, 0.5)} "
        f"p99 {_ms(run.mutation_ms, 0.99)} (no subscribers: p50 "
        f"{_ms(run.baseline_mutation_ms, 0.5)} p99 {_ms(run.baseline_mutation_ms, 0.99)})"
    )
    print(
        f"  server CPU {run.cpu_s:.2f} s with subscribers, {run.baseline_cpu_s:.2f} s without "
        f"→ {run.cpu_per_message_us:.1f} µs per delivered message raw, "
        f"{run.cpu_per_message_net_us:.1f} µs net of the baseline"
    )
    print(
        f"  client processes used {run.client_cpu_s:.2f} s CPU meanwhile "
        f"({run.client_cpu_s / max(1, run.received) * 1e6:.1f} µs per message received), "
        f"the driver {run.driver_cpu_s:.2f} s"
        + (f", py-spy {run.profiler_cpu_s:.2f} s" if run.profiler_cpu_s else "")
    )
    print(
        f"  the machine was {run.machine_busy_s / max(run.machine_total_s, 1e-9) * 100:.0f}% "
        f"busy ({run.machine_busy_s:.1f} of {run.machine_total_s:.1f} CPU-s); other processes, "
        f"the kernel and the hypervisor {run.others_cpu_s:.1f} CPU-s"
        + ("  ← DISTURBED: run it again on a quiet machine" if run.disturbed else "")
    )
    print(
        f"  server RSS {run.rss_before_kb / 1024:.1f} MB before clients, "
        f"{run.rss_connected_kb / 1024:.1f} MB with {run.connected} connected "
        f"({run.rss_per_connection_kb:.1f} KB per connection), "
        f"{run.rss_after_kb / 1024:.1f} MB after the events"
    )
    if run.problems:
        print(f"  problems: {dict(run.problems)}")


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_summary(runs: list[Run], args: argparse.Namespace) -> None:
    width = 13
    head = "".join(f"{'N=' + str(r.subscribers):>{width}}" for r in runs)
    print(
        f"\nSubscription fan-out — 1 server process (memory broker), {args.events} events at "
        f"{args.rate:g}/s, clients in {args.processes} processes ({args.client}) offering "
        f"{'permessage-deflate' if args.compression == 'deflate' else 'no compression'}, "
        f"{os.cpu_count()} CPUs"
        + (", server pinned to CPU 0, clients on the others" if args.pin else "")
    )
    print(f"{'':34}{head}   {'target (N=1000)':<18}{'stock Strawberry':<16}")

    def row(label: str, cells: list[str], target: str = "", stock: str = "") -> None:
        print(f"{label:34}{''.join(f'{c:>{width}}' for c in cells)}   {target:<18}{stock:<16}")

    row("subscribers connected", [str(r.connected) for r in runs], f"{TARGET_SUBSCRIBERS}")
    row("  with permessage-deflate", [str(r.deflate) for r in runs])
    row("messages delivered", [f"{r.received}" for r in runs])
    row("  of expected", [f"{r.connected * r.expected}" for r in runs])
    row("latency p50", [f"{percentile(r.latencies_ms, 0.5):.1f} ms" for r in runs])
    row(
        "latency p99",
        [f"{percentile(r.latencies_ms, 0.99):.1f} ms" for r in runs],
        f"< {TARGET_P99_MS:g} ms",
        f"{STOCK_P99_MS:g} ms",
    )
    row("latency max", [f"{r.latencies_ms[-1]:.1f} ms" if r.latencies_ms else "-" for r in runs])
    row(
        "server CPU / message (raw)",
        [f"{r.cpu_per_message_us:.1f} µs" for r in runs],
        f"< {TARGET_CPU_US:g} µs",
        f"~{STOCK_CPU_US:g} µs",
    )
    row("  minus 0-subscriber baseline", [f"{r.cpu_per_message_net_us:.1f} µs" for r in runs])
    row("RSS before clients", [f"{r.rss_before_kb / 1024:.1f} MB" for r in runs])
    row("RSS with N connected", [f"{r.rss_connected_kb / 1024:.1f} MB" for r in runs])
    row(
        "RSS per connection",
        [f"{r.rss_per_connection_kb:.1f} KB" for r in runs],
        f"< {TARGET_RSS_KB:g} KB",
        f"{STOCK_RSS_KB:g} KB",
    )
    for r in runs:
        if r.disturbed:
            print(
                f"\nWARNING: N={r.subscribers}: other processes used {r.others_cpu_s:.1f} of "
                f"{r.machine_total_s:.1f} CPU-s meanwhile; its figures are disturbed"
            )
    at_target = [r for r in runs if r.subscribers >= TARGET_SUBSCRIBERS]
    for r in at_target:
        everything = r.connected >= TARGET_SUBSCRIBERS and r.received == r.connected * r.expected
        print(
            f"\nN={r.subscribers}: all delivered {_mark(everything)}; "
            f"p99 {_mark(percentile(r.latencies_ms, 0.99) < TARGET_P99_MS)}; "
            f"CPU/message {_mark(r.cpu_per_message_us < TARGET_CPU_US)} raw, "
            f"{_mark(r.cpu_per_message_net_us < TARGET_CPU_US)} net; "
            f"RSS/connection {_mark(r.rss_per_connection_kb < TARGET_RSS_KB)}"
        )


async def driver_main(args: argparse.Namespace) -> None:
    raise_open_file_limit()
    main_task = asyncio.current_task()
    assert main_task is not None
    # Ctrl-C cancels this task (asyncio.run does that); `kill` should clean up the same way.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    if args.pin:
        # The server alone on CPU 0; this driver and its client processes on the others.
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)) - SERVER_CPUS)
    runs = [await run_one(n, args) for n in args.subscribers]
    print_summary(runs, args)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="mode")
    p.add_argument(
        "-n", "--subscribers", type=int, nargs="+", default=[100, 1000], help="one run per N"
    )
    p.add_argument("--processes", type=int, default=4, help="client processes")
    p.add_argument("--events", type=int, default=200, help="events per run")
    p.add_argument("--rate", type=float, default=20.0, help="events per second")
    p.add_argument("--warmup", type=int, default=20, help="reports before the baseline")
    p.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for deliveries after the last"
    )
    p.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="deflate",
        help="what the clients offer (deflate: like browsers and the websockets default)",
    )
    p.add_argument(
        "--client",
        choices=["lean", "asyncio"],
        default="lean",
        help="lean: websockets' sans-I/O protocol, stamped on arrival (default);\n"
        "asyncio: websockets' asyncio client, as an application would use it",
    )
    p.add_argument(
        "--py-spy",
        metavar="FILE",
        help="profile the server with py-spy during the measured run (FILE-N.ext for each N\n"
        "when there are several; .svg: a flame graph, else raw stacks, summarised here)",
    )
    p.add_argument(
        "--pin",
        action="store_true",
        help="run the server alone on CPU 0 and the clients on the other CPUs",
    )
    p.add_argument(
        "--server-script",
        metavar="FILE",
        help="a Python file to run instead of the grassroots command for `serve` (A/B runs:\n"
        "a wrapper that patches something, then calls grassroots.cli.main)",
    )
    p.add_argument("--keep", action="store_true", help="keep the data dirs")

    client = sub.add_parser("client", help="internal: one client process")
    client.add_argument("--url", required=True)
    client.add_argument("--token", required=True)
    client.add_argument("--region", required=True)
    client.add_argument("--connections", type=int, required=True)
    client.add_argument("--compression", choices=["deflate", "none"], default="deflate")
    client.add_argument("--client", choices=["lean", "asyncio"], default="lean")
    return p.parse_args(argv)


def run_fast(main: Any) -> None:
    """uvloop when it is there: the clients' own overhead is noise in the figures."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main() -> None:
    args = parse_args()
    try:
        if args.mode == "client":
            run_fast(client_main(args))
        else:
            asyncio.run(driver_main(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        if args.mode != "client":
            log("interrupted; the server and the clients are stopped")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
