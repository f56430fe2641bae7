"""Operations: readiness, Prometheus metrics, request ids and JSON logs, graceful shutdown."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed

from grassroots.app import create_app
from grassroots.settings import Settings

from . import servers
from .client import LOGIN, Api
from .flows import report
from .live import LiveClient, serving

ME = "{ me { id } }"
SUBSCRIBE = "subscription($r: ID!) { events(regionId: $r) { seq kind } }"
REGIONS = "{ regions(level: COMMUNITY) { id nameZh children { id } } }"
CATEGORIES = "{ categories { id code } }"
REPORT = """
mutation($input: ReportCaseInput!) {
  reportCase(input: $input) { case { id number } userErrors { field message } }
}
"""
CASE_BY_NUMBER = "query($n: String!) { caseByNumber(number: $n) { id } }"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


# --- readiness ------------------------------------------------------------------------------


async def test_readyz_reports_the_database_and_the_broker_reachable(api: Api) -> None:
    response = await api.http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "broker": True}}


async def test_readyz_is_503_while_the_broker_is_unreachable(settings: Settings) -> None:
    # given a server told to use a Redis that is not there
    lost = dataclasses.replace(settings, broker_url=f"redis://127.0.0.1:{servers.free_port()}/0")
    app = create_app(lost, run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            # when a load balancer asks
            response = await http.get("/readyz")
            alive = await http.get("/healthz")

    # then it is alive but not ready, and says which part is missing
    assert alive.status_code == 200
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "broker": False}


# --- metrics --------------------------------------------------------------------------------


async def test_metrics_count_graphql_operations_errors_and_requests(api: Api) -> None:
    before = (await api.http.get("/metrics")).text
    token = await api.login("resident1")

    await api.run(ME, token=token)
    await api.raw("{ nosuchfield }")
    await report(api)

    after = (await api.http.get("/metrics")).text
    for name, labels, grew in [
        ("grassroots_graphql_operations_total", {"type": "query", "field": "me"}, 1),
        ("grassroots_graphql_operations_total", {"type": "invalid", "field": "-"}, 1),
        ("grassroots_graphql_errors_total", {"type": "invalid", "field": "-"}, 1),
        ("grassroots_graphql_operations_total", {"type": "mutation", "field": "reportCase"}, 1),
        ("grassroots_graphql_errors_total", {"type": "query", "field": "me"}, 0),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == grew, (name, labels)
    http_ok = {"route": "/graphql", "method": "POST", "status": "200"}
    assert value(after, "grassroots_http_requests_total", **http_ok) > value(
        before, "grassroots_http_requests_total", **http_ok
    )
    # the reported case wrote events, counted as they committed
    assert value(after, "grassroots_events_committed_total") > value(
        before, "grassroots_events_committed_total"
    )
    assert "grassroots_hub_lag_events" in after
    assert "grassroots_outbox_messages" in after


async def test_metrics_show_open_subscriptions(app: object, api: Api) -> None:
    token = await api.login("community1")
    yanqing = next(r for r in (await api.run(REGIONS))["regions"] if r["nameZh"] == "延青社区")
    async with serving(app) as url, LiveClient.connect(url, token) as live:
        await live.subscribe(SUBSCRIBE, {"r": yanqing["id"]})
        await asyncio.sleep(0.2)
        during = (await api.http.get("/metrics")).text
    assert value(during, "grassroots_subscriptions_open") == 1
    assert value(during, "grassroots_ws_connections") == 1


# --- request ids ----------------------------------------------------------------------------


async def test_every_response_carries_a_request_id(api: Api) -> None:
    given = await api.http.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    made = await api.http.get("/healthz")
    next_made = await api.http.get("/healthz")
    hostile = await api.http.get("/healthz", headers={"X-Request-ID": 'x"}{injected} ' * 20})

    assert given.headers["x-request-id"] == "lb-7f3a.42"
    assert len(made.headers["x-request-id"]) == 32
    assert next_made.headers["x-request-id"] != made.headers["x-request-id"]
    assert "injected" not in hostile.headers["x-request-id"]


def test_a_forked_worker_makes_request_ids_of_its_own() -> None:
    from grassroots.logs import request_ids

    # Given a process that made request ids, when it forks a worker
    parent = {request_ids.next()[:24] for _ in range(3)}
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the worker: its first ids, to the parent
        os.write(write, "".join(request_ids.next() for _ in range(3)).encode())
        os._exit(0)
    os.close(write)
    made = os.read(read, 200).decode()
    os.waitpid(child, 0)

    # Then the worker's ids share no prefix with the parent's, and are well formed
    worker = {made[i : i + 24] for i in range(0, len(made), 32)}
    assert len(made) == 96
    assert len(parent) == len(worker) == 1
    assert parent.isdisjoint(worker)


# --- a real server process: JSON logs and graceful shutdown ---------------------------------


@pytest.fixture
async def server(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[object, str, Path]]:
    log = tmp_path / "server.log"
    running = servers.start(tmp_path, database_url, log=log)
    try:
        yield running.process, running.url, log
    finally:
        running.kill()


async def drain(live: LiveClient) -> None:
    while True:
        await live.receive(within=15)


def _log_lines(log: Path) -> list[dict]:
    lines = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


async def test_the_server_logs_json_lines_with_the_request_id(
    server: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    _, base, log = server
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.post(
            "/graphql", json={"query": ME}, headers={"X-Request-ID": "trace-42"}
        )
    assert response.status_code == 200

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        mine = [line for line in _log_lines(log) if line.get("request_id") == "trace-42"]
        if mine:
            break
        await asyncio.sleep(0.1)
    assert mine, log.read_text()
    assert mine[0]["path"] == "/graphql"
    assert mine[0]["status"] == 200
    assert mine[0]["level"] == "info"
    assert "duration_ms" in mine[0]


async def test_sigterm_finishes_acknowledged_writes_and_closes_subscriptions_with_1012(
    tmp_path: Path, database_url: str, server: tuple[subprocess.Popen[bytes], str, Path]
) -> None:
    process, base, log = server
    ws_url = base.replace("http://", "ws://") + "/graphql"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:

        async def gql(query: str, variables: dict | None = None, token: str = "") -> dict:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            body = {"query": query, "variables": variables or {}}
            response = await http.post("/graphql", json=body, headers=headers)
            response.raise_for_status()
            return response.json()["data"]

        login = {"input": {"username": "resident1", "password": "grassroots"}}
        token = (await gql(LOGIN, login))["login"]["token"]
        yanqing = next(r for r in (await gql(REGIONS))["regions"] if r["nameZh"] == "延青社区")
        category = next(
            c["id"]
            for c in (await gql(CATEGORIES))["categories"]
            if c["code"] == "heating.pipe-leak"
        )

        async def one(i: int) -> str | None:
            report_input = {
                "input": {
                    "title": f"종료 중 신고 停机时上报 {i}",
                    "description": "graceful",
                    "categoryId": category,
                    "regionId": yanqing["children"][0]["id"],
                }
            }
            try:
                made = (await gql(REPORT, report_input, token))["reportCase"]
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                return None  # refused, never acknowledged
            assert made["userErrors"] == []
            return str(made["case"]["number"])

        async with LiveClient.connect(ws_url, token) as live:
            await live.subscribe(SUBSCRIBE, {"r": yanqing["id"]})
            # when the process is told to stop while writes are in flight
            writes = [asyncio.create_task(one(i)) for i in range(30)]
            await asyncio.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            acknowledged = [n for n in await asyncio.gather(*writes) if n]
            # then the subscriber is told the service restarts
            with pytest.raises(ConnectionClosed) as closed:
                await drain(live)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1012

    # uvicorn re-raises the signal once its graceful shutdown is complete
    assert process.wait(30) in (0, -signal.SIGTERM)
    messages = [line["message"] for line in _log_lines(log)]
    assert "Application shutdown complete." in messages, messages[-5:]
    # and every acknowledged case is there after a restart
    restarted = servers.start(tmp_path, database_url, log=log)
    try:
        async with httpx.AsyncClient(base_url=restarted.url) as http:
            staff = {"input": {"username": "community1", "password": "grassroots"}}
            body = (await http.post("/graphql", json={"query": LOGIN, "variables": staff})).json()
            staff_token = body["data"]["login"]["token"]
            for number in acknowledged:
                found = await http.post(
                    "/graphql",
                    json={"query": CASE_BY_NUMBER, "variables": {"n": number}},
                    headers={"Authorization": f"Bearer {staff_token}"},
                )
                assert found.json()["data"]["caseByNumber"] is not None, number
    finally:
        restarted.stop()
