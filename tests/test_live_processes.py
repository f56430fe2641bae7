"""Two server processes on one database, woken through a real Redis: a change made through
one reaches a subscriber of the other."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from . import servers
from .client import LOGIN
from .live import LiveClient

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed")

SUBSCRIBE = """
subscription($regionId: ID!) { events(regionId: $regionId) { seq kind payload } }
"""
REGIONS = "{ regions(level: COMMUNITY) { id nameZh children { id } } }"
CATEGORIES = "{ categories { id code } }"
REPORT = """
mutation($input: ReportCaseInput!) { reportCase(input: $input) { case { id } userErrors { code } } }
"""


@pytest.fixture
def redis_url() -> Iterator[str]:
    port = servers.free_port()
    server = subprocess.Popen(
        [str(REDIS), "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def two_servers(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[list[str]]:
    env = {
        "GRASSROOTS_BROKER_URL": redis_url,
        # Without Redis a subscriber would wait a minute for the log poll.
        "GRASSROOTS_LIVE_POLL_SECONDS": "60",
    }
    running = [
        servers.spawn(tmp_path, database_url, "--log-level", "warning", env=env) for _ in range(2)
    ]
    try:
        yield [server.wait_ready().url for server in running]
    finally:
        for server in running:
            server.stop()


async def test_a_mutation_on_one_process_reaches_a_subscriber_on_the_other(
    two_servers: list[str],
) -> None:
    first, second = two_servers
    async with httpx.AsyncClient() as http:

        async def gql(base: str, query: str, variables: dict | None = None, token: str = ""):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await http.post(
                f"{base}/graphql",
                json={"query": query, "variables": variables or {}},
                headers=headers,
            )
            return response.json()["data"]

        login = {"input": {"username": "resident1", "password": "grassroots"}}
        token = (await gql(first, LOGIN, login))["login"]["token"]
        staff = {"input": {"username": "community1", "password": "grassroots"}}
        staff_token = (await gql(second, LOGIN, staff))["login"]["token"]
        yanqing = next(
            r for r in (await gql(first, REGIONS))["regions"] if r["nameZh"] == "延青社区"
        )
        category = next(
            c["id"]
            for c in (await gql(first, CATEGORIES))["categories"]
            if c["code"] == "heating.pipe-leak"
        )
        ws_url = second.replace("http://", "ws://") + "/graphql"
        async with LiveClient.connect(ws_url, staff_token) as live:
            await live.subscribe(SUBSCRIBE, {"regionId": yanqing["id"]})
            await asyncio.sleep(0.2)
            report = {
                "input": {
                    "title": "다른 프로세스 另一个进程",
                    "description": "redis",
                    "categoryId": category,
                    "regionId": yanqing["children"][0]["id"],
                }
            }
            started = time.monotonic()
            made = (await gql(first, REPORT, report, token))["reportCase"]
            assert made["userErrors"] == []
            message = await live.receive(within=10)
            assert time.monotonic() - started < 5  # the wake-up came through Redis
            event = message["payload"]["data"]["events"]
            assert event["kind"] == "case.reported"
            assert event["payload"]["title"] == "다른 프로세스 另一个进程"
