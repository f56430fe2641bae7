"""Crashes under load: while hotline clients keep pushing cases in, the server is killed
(SIGKILL, no shutdown at all) at random moments and started again. Afterwards every
acknowledged case is there exactly once, a case whose answer was lost is there at most once
(sending it again yields exactly one), and the event log counts 1..N without a gap.

The figures of the run go to test-artifacts/reliability.json (the README quotes them)."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from . import flows, lookup, servers
from .client import Api
from .conftest import BACKEND

CLIENTS = 8
ARTIFACT = Path(__file__).resolve().parents[1] / "test-artifacts" / "reliability.json"

INTAKE = """
mutation Intake($input: IntakeCaseInput!) {
  intakeCase(input: $input) { created case { id } userErrors { field message code } }
}
"""
TOTAL = "{ cases(first: 1) { totalCount } }"
EVENTS = """
query Log($regionId: ID!, $since: Int!) {
  events(regionId: $regionId, since: $since, first: 100) { seq kind }
}
"""


@dataclass
class Figures:
    backend: str
    clients: int = CLIENTS
    crashes: int = 0
    requests_tried: int = 0
    acknowledged: int = 0
    unanswered: int = 0  # the connection died before an answer
    unanswered_but_committed: int = 0  # of those, found on retrying (created: false)
    cases_after: int = 0
    events_after: int = 0
    lost: int = 0  # acknowledged, but not there afterwards
    duplicated: int = 0
    event_gaps: int = 0


@dataclass
class Load:
    """What the clients sent and heard."""

    place: dict[str, str]
    token: str
    acknowledged: dict[str, str] = field(default_factory=dict)  # externalRef -> case id
    unanswered: set[str] = field(default_factory=set)
    refused: dict[str, Any] = field(default_factory=dict)
    tried: int = 0

    def variables(self, ref: str) -> dict[str, Any]:
        return {
            "input": {
                "source": "HOTLINE_12345",
                "externalRef": ref,
                "title": f"난방 안됨 暖气不热 {ref}",
                "description": "12345 전화 접수 电话受理",
                "categoryId": self.place["category"],
                "regionId": self.place["grid"],
                "callerPhone": "13904331234",
            }
        }

    async def push(self, api: Api, ref: str) -> dict[str, Any]:
        return (await api.run(INTAKE, self.variables(ref), token=self.token))["intakeCase"]


async def _client(n: int, url: str, load: Load, up: asyncio.Event, stop: asyncio.Event) -> None:
    """One hotline connection: pushes cases one after another until told to stop."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        api = Api(http)
        for i in range(10**9):
            await up.wait()
            if stop.is_set():
                return
            ref = f"12345-crash-{n}-{i}"
            load.tried += 1
            try:
                answer = await load.push(api, ref)
            except httpx.TransportError:
                load.unanswered.add(ref)  # it may or may not have been committed
                continue
            if answer["userErrors"]:
                load.refused[ref] = answer["userErrors"]
            else:
                load.acknowledged[ref] = answer["case"]["id"]


async def _until_acknowledged(load: Load, count: int) -> None:
    while len(load.acknowledged) < count:  # noqa: ASYNC110  (the clients own the counter)
        await asyncio.sleep(0.01)


async def test_killed_servers_lose_no_acknowledged_case_and_leave_no_gap(
    tmp_path: Path, database_url: str
) -> None:
    rng = random.Random()
    crashes = rng.randint(3, 5)
    figures = Figures(backend=BACKEND)
    log = tmp_path / "server.log"
    env = {"GRASSROOTS_RATE_LIMIT_MUTATIONS": "1000000"}

    def start(port: int | None = None) -> servers.Server:
        return servers.start(tmp_path, database_url, port=port, env=env, log=log)

    server = await asyncio.to_thread(start)
    try:
        # Given a hotline with its INTEGRATION token and several connections pushing cases in
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            api = Api(http)
            yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
            place = {
                "grid": (await lookup.grids_of(api, yanqing["id"]))[0]["id"],
                "category": await lookup.category(api, "heating.pipe-leak"),
                "prefecture": (await lookup.region(api, "PREFECTURE", "延边朝鲜族自治州"))["id"],
            }
            load = Load(place, await flows.hotline_token(api))
        up, stop = asyncio.Event(), asyncio.Event()
        up.set()
        clients = [
            asyncio.create_task(_client(n, server.url, load, up, stop)) for n in range(CLIENTS)
        ]

        # When the server is killed at random moments under that load, and started again
        for _ in range(crashes):
            await _until_acknowledged(load, len(load.acknowledged) + rng.randint(20, 80))
            await asyncio.sleep(rng.uniform(0, 0.3))
            up.clear()
            server.kill()
            figures.crashes += 1
            server = await asyncio.to_thread(start, server.port)
            up.set()
        await _until_acknowledged(load, len(load.acknowledged) + 20)
        stop.set()
        await asyncio.gather(*clients)

        # Then: every case whose answer was lost, sent again, is there once
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            api = Api(http)
            retried = {ref: await load.push(api, ref) for ref in sorted(load.unanswered)}
            assert all(answer["userErrors"] == [] for answer in retried.values()), retried
            # and every acknowledged case is still there, the same case
            again = {ref: await load.push(api, ref) for ref in load.acknowledged}
            admin = await api.login("admin")
            total = (await api.run(TOTAL, token=admin))["cases"]["totalCount"]
            log_seqs, kinds = [], []
            while True:
                since = log_seqs[-1] if log_seqs else 0
                variables = {"regionId": place["prefecture"], "since": since}
                page = (await api.run(EVENTS, variables, token=admin))["events"]
                if not page:
                    break
                log_seqs += [e["seq"] for e in page]
                kinds += [e["kind"] for e in page]
    finally:
        server.stop()

    figures.requests_tried = load.tried
    figures.acknowledged = len(load.acknowledged)
    figures.unanswered = len(load.unanswered)
    figures.unanswered_but_committed = sum(not a["created"] for a in retried.values())
    figures.cases_after = total
    figures.events_after = len(log_seqs)
    figures.lost = sum(
        a["created"] or a["case"]["id"] != load.acknowledged[ref] for ref, a in again.items()
    )
    case_ids = [a["case"]["id"] for a in [*again.values(), *retried.values()]]
    figures.duplicated = total - len(set(case_ids))
    # The region's feed starts after the set-up's tokens (logged outside any region).
    figures.event_gaps = sum(b - a - 1 for a, b in itertools.pairwise(log_seqs))
    _publish(figures)

    assert load.refused == {}
    assert figures.crashes == crashes
    assert figures.lost == 0
    assert total == len(set(case_ids)) == len(load.acknowledged) + len(load.unanswered)
    assert log_seqs == list(range(log_seqs[0], log_seqs[0] + len(log_seqs)))
    assert kinds.count("case.reported") == total


def _publish(figures: Figures) -> None:
    """Print the figures and keep them, per database, for the README's reliability section."""
    print(json.dumps(asdict(figures), indent=2))
    ARTIFACT.parent.mkdir(exist_ok=True)
    kept = json.loads(ARTIFACT.read_text()) if ARTIFACT.exists() else {}
    kept.setdefault("crash", {})[figures.backend] = asdict(figures)
    ARTIFACT.write_text(json.dumps(kept, indent=2) + "\n")
