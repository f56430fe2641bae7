"""What the HTTP benchmarks share: server processes, wrk as the load, and the machine's load.

The server under test is always ONE uvicorn process (one core's worth of Python); the load
comes from wrk (Debian: `apt-get install wrk`), a separate C process that costs the machine
far less per request than any Python client would. Each measurement reports the CPU time of
the server, of wrk and of everything else on the machine meanwhile: figures taken while
other processes used more than a tenth of the machine are marked as disturbed. The anchor
measured in the same run (bench/anchors.py) is disturbed alike, so the ratio stays telling.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CLK_TCK = os.sysconf("SC_CLK_TCK")
HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
MARKER = "WRK_RESULT "


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (its threads included), in seconds."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    return 0.0


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


def grassroots_command() -> list[str]:
    script = Path(sys.executable).parent / "grassroots"
    return [str(script)] if script.exists() else [sys.executable, "-m", "grassroots.cli"]


def percentile(ordered: Sequence[float], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# --- servers -------------------------------------------------------------------------------


def bench_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """A production server of our own, its limits out of the way of the load."""
    return {
        **os.environ,
        "GRASSROOTS_DATA_DIR": str(data_dir),
        "GRASSROOTS_ENV": "production",
        "GRASSROOTS_SECRET_KEY": "bench-secret-key-not-for-production",
        "GRASSROOTS_SCHEDULER_INTERVAL": "3600",
        "GRASSROOTS_BROKER_URL": "memory://",
        # The benchmarks measure the work, not the rate limiter that protects it.
        "GRASSROOTS_RATE_LIMIT_MUTATIONS": "100000000",
        "GRASSROOTS_RATE_LIMIT_LOGIN": "100000",
        **extra,
    }


class Server:
    """One server process; `command` must serve on `self.port`."""

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        log_dir: Path,
        *,
        health: str = "/healthz",
        cpus: set[int] | None = None,
    ) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.health = health
        self.cpus = cpus
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, within: float = 120.0) -> None:
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=out)
        if self.cpus:
            for task in Path(f"/proc/{self.process.pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(int(task.name), self.cpus)
        deadline = time.monotonic() + within
        with httpx.Client(base_url=self.base, timeout=2) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited:\n{self.log_path.read_text()[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(self.health).status_code == 200:
                        return
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not come up within {within:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def ours(
    data_dir: Path,
    log_dir: Path,
    cpus: set[int] | None = None,
    *,
    quiet: bool = False,
    **env: str,
) -> Server:
    """`grassroots serve` on an existing data dir, one process; `quiet`: without the
    escalation scheduler and webhook sender (bench/serve_quiet.py)."""
    if quiet:
        command = [sys.executable, str(HERE / "serve_quiet.py"), "--port", "{port}"]
    else:
        command = [*grassroots_command(), "serve", "--port", "{port}", "--log-level", "warning"]
    return Server("grassroots", command, bench_env(data_dir, **env), log_dir, cpus=cpus)


def anchor(
    name: str, log_dir: Path, *args: str, cpus: set[int] | None = None, **env: str
) -> Server:
    """An anchor app of bench/anchors.py, served by uvicorn alone in one process."""
    command = [sys.executable, str(HERE / "anchors.py"), name, "--port", "{port}", *args]
    return Server(name, command, {**os.environ, **env}, log_dir, health="/health", cpus=cpus)


def make_demo(data_dir: Path, **env: str) -> None:
    """The demo city and its accounts, no history."""
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [*grassroots_command(), "demo", "--cases", "0"],
        env=bench_env(data_dir, **env),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def temp_dir(prefix: str) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=DATA))


def remove(path: Path, keep: bool) -> None:
    if keep:
        log(f"kept {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


# --- GraphQL set-up calls --------------------------------------------------------------------


LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token userErrors { message } } }
"""


def graphql(
    base: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=60,
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return dict(body["data"])


def login(base: str, username: str, password: str = "grassroots") -> str:
    data = graphql(base, LOGIN, {"input": {"username": username, "password": password}})
    if data["login"]["userErrors"]:
        raise RuntimeError(data["login"]["userErrors"])
    return str(data["login"]["token"])


# --- load ----------------------------------------------------------------------------------


@dataclass
class Request:
    """What one group of wrk connections sends: the body may hold `{n}`, replaced by a
    string unique to the request (across runs too); a response counts as good when it holds
    `good`."""

    body: str
    headers: dict[str, str] = field(default_factory=dict)
    path: str = "/graphql"
    good: str = ""


@dataclass
class Load:
    label: str
    connections: int
    seconds: float = 0.0
    requests: int = 0
    good: list[int] = field(default_factory=list)  # per request kind
    sent: list[int] = field(default_factory=list)
    socket_errors: int = 0
    non_2xx: int = 0
    p50_ms: float = math.nan
    p90_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    server_cpu_s: float = 0.0
    wrk_cpu_s: float = 0.0
    database_cpu_s: float = 0.0  # a database server under test beside ours (PostgreSQL)
    machine_busy_s: float = 0.0
    machine_total_s: float = 0.0
    loadavg: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def good_rps(self) -> float:
        return sum(self.good) / self.seconds if self.seconds else 0.0

    @property
    def others_cpu_s(self) -> float:
        used = self.server_cpu_s + self.wrk_cpu_s + self.database_cpu_s
        return max(0.0, self.machine_busy_s - used)

    @property
    def disturbed(self) -> bool:
        return self.others_cpu_s > 0.1 * self.machine_total_s

    @property
    def server_cpu_share(self) -> float:
        """Of one core, how much the server used: below ~0.9 it waited for something."""
        return self.server_cpu_s / self.seconds if self.seconds else 0.0

    def machine_line(self) -> str:
        share = self.machine_busy_s / max(self.machine_total_s, 1e-9) * 100
        one, five, _ = self.loadavg
        return (
            f"machine {share:.0f}% busy, load average {one:.1f}/{five:.1f} (1/5 min); server "
            f"{self.server_cpu_s:.1f} CPU-s ({self.server_cpu_share * 100:.0f}% of a core), wrk "
            f"{self.wrk_cpu_s:.1f}, "
            + (f"database {self.database_cpu_s:.1f}, " if self.database_cpu_s else "")
            + f"other processes {self.others_cpu_s:.1f} of "
            f"{self.machine_total_s:.1f} CPU-s"
            + ("  ← DISTURBED: run it again on a quiet machine" if self.disturbed else "")
        )


def _lua_string(text: str) -> str:
    level = "=" * 4
    if f"]{level}]" in text:
        raise ValueError("the text closes a Lua long string")
    return f"[{level}[{text}]{level}]"


WRK_LUA = """
local threads = {}
local count = 0
function setup(thread)
  count = count + 1
  thread:set("id", count)
  table.insert(threads, thread)
end
function init(args)
  kind = kinds[(id - 1) % #kinds + 1]
  sent = 0
  good = 0
  seen = 0
end
function request()
  sent = sent + 1
  local body = string.gsub(kind.body, "{n}", run .. "-" .. id .. "-" .. sent)
  return wrk.format("POST", kind.path, kind.headers, body)
end
function response(status, headers, body)
  seen = seen + 1
  if status == 200 and (kind.good == "" or string.find(body, kind.good, 1, true)) then
    good = good + 1
  elseif seen - good <= 3 then
    io.stderr:write("unexpected answer " .. status .. ": " .. string.sub(body, 1, 300) .. "\\n")
  end
end
function done(summary, latency, requests)
  local per_kind_good, per_kind_seen = {}, {}
  for i = 1, #kinds do per_kind_good[i] = 0; per_kind_seen[i] = 0 end
  for _, t in ipairs(threads) do
    local k = (t:get("id") - 1) % #kinds + 1
    per_kind_good[k] = per_kind_good[k] + t:get("good")
    per_kind_seen[k] = per_kind_seen[k] + t:get("seen")
  end
  local e = summary.errors
  io.write(string.format(
    'MARKER{"requests":%d,"duration_us":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,'
    .. '"socket_errors":%d,"non_2xx":%d,"good":[%s],"sent":[%s]}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout,
    e.status, table.concat(per_kind_good, ","), table.concat(per_kind_seen, ",")))
end
""".replace("MARKER", MARKER)


def wrk_script(requests: Sequence[Request]) -> str:
    """Thread i sends requests[i % len]; each counts what it sent and the good answers."""
    kinds = []
    for r in requests:
        headers = {"Content-Type": "application/json", **r.headers}
        header_lua = ", ".join(
            f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()
        )
        kinds.append(
            f"{{ path = {_lua_string(r.path)}, body = {_lua_string(r.body)}, "
            f"good = {_lua_string(r.good)}, headers = {{ {header_lua} }} }}"
        )
    run = secrets.token_hex(4)  # request numbers are unique across runs too
    return f'local kinds = {{ {", ".join(kinds)} }}\nlocal run = "{run}"\n{WRK_LUA}'


def run_wrk(
    label: str,
    server: Server,
    requests: Sequence[Request],
    *,
    connections: int,
    seconds: float,
    threads: int = 2,
    cpus: set[int] | None = None,
    timeout_s: float = 10.0,
    database_cpu: Callable[[], float] | None = None,
) -> Load:
    """`connections` keep-alive clients, closed loop, for `seconds`; figures of that window.
    `database_cpu`: the CPU seconds so far of a database server under test (not a disturbance)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("these benchmarks need wrk as their load: apt-get install wrk")
    threads = max(len(requests), min(threads, connections))
    script = Path(tempfile.mkstemp(prefix="grassroots-wrk-", suffix=".lua")[1])
    script.write_text(wrk_script(requests))
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        f"--timeout={timeout_s:g}s",
        "-s",
        str(script),
        server.base,
    ]
    if cpus:
        command = ["taskset", "-c", ",".join(map(str, sorted(cpus))), *command]
    load = Load(label, connections)
    _children_cpu_delta()  # from here on, the children's CPU time is wrk's
    server_cpu0 = cpu_seconds(server.pid)
    database_cpu0 = database_cpu() if database_cpu else 0.0
    busy0, total0 = machine_cpu_seconds()
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        script.unlink(missing_ok=True)
    elapsed = time.monotonic() - started
    busy1, total1 = machine_cpu_seconds()
    load.server_cpu_s = cpu_seconds(server.pid) - server_cpu0
    load.database_cpu_s = database_cpu() - database_cpu0 if database_cpu else 0.0
    load.machine_busy_s, load.machine_total_s = busy1 - busy0, total1 - total0
    load.loadavg = os.getloadavg()
    load.wrk_cpu_s = _children_cpu_delta()
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(MARKER)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    if done.stderr.strip():
        log(f"{label}: {done.stderr.strip()[:600]}")
    result = json.loads(line.removeprefix(MARKER))
    load.requests = result["requests"]
    load.seconds = result["duration_us"] / 1e6 or elapsed
    load.p50_ms, load.p90_ms = result["p50"] / 1e3, result["p90"] / 1e3
    load.p99_ms, load.max_ms = result["p99"] / 1e3, result["max"] / 1e3
    load.socket_errors, load.non_2xx = result["socket_errors"], result["non_2xx"]
    load.good, load.sent = list(result["good"]), list(result["sent"])
    return load


_children_seen = 0.0


def _children_cpu_delta() -> float:
    """CPU time of waited-for child processes that ended since the last call."""
    global _children_seen
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    delta, _children_seen = total - _children_seen, total
    return delta


# --- output --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_table(title: str, rows: Sequence[tuple[str, str, str, str]]) -> None:
    """Rows of (figure, ours, anchor, target)."""
    widths = [max(len(r[i]) for r in [("", "ours", "anchor", "target"), *rows]) for i in range(4)]
    print(f"\n{title}")
    header = ("", "ours", "anchor (same run)", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def cpu_sets(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, load CPUs): the server alone on CPU 0 when pinned."""
    if not pin:
        return None, None
    everything = set(range(os.cpu_count() or 1))
    return {0}, (everything - {0}) or everything
