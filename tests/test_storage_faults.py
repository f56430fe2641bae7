"""A full disk and a database locked by another process: the caller is told plainly, nothing
is half-written, and once the fault passes the same call succeeds.

The full disk is SQLite's `max_page_count` cap on the server's writing connection: past it
SQLite answers SQLITE_FULL, the error a full file system gives (no privileges needed)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import connections

from grassroots.app import create_app
from grassroots.models import Case, CaseEvent, Counter, Event
from grassroots.models.enums import CaseEventKind
from grassroots.settings import Settings

from . import flows, lookup
from .client import LOGIN, Api
from .operations import INTAKE_CASE

pytestmark = pytest.mark.sqlite_only(reason="fills and locks the SQLite file")

DASHBOARD_TOTAL = "query($r: ID!) { dashboard(regionId: $r) { total } }"
LONG_TEXT = "난방관에서 물이 샙니다 暖气管道漏水 " * 250  # a few pages a case, near MAX_TEXT


@pytest.fixture
async def intake(api: Api) -> dict[str, Any]:
    """What the hotline needs to push cases in: a token and a valid place."""
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    return {
        "token": await flows.hotline_token(api),
        "grid": (await lookup.grids_of(api, yanqing["id"]))[0]["id"],
        "category": await lookup.category(api, "heating.pipe-leak"),
        "prefecture": (await lookup.region(api, "PREFECTURE", "延边朝鲜族自治州"))["id"],
    }


async def push(api: Api, intake: dict[str, Any], ref: str) -> dict[str, Any]:
    variables = {
        "input": {
            "source": "HOTLINE_12345",
            "externalRef": ref,
            "title": f"난방 안됨 暖气不热 {ref}",
            "description": LONG_TEXT,
            "categoryId": intake["category"],
            "regionId": intake["grid"],
        }
    }
    return (await api.run(INTAKE_CASE, variables, token=intake["token"]))["intakeCase"]


async def writer_pragma(statement: str) -> None:
    """A PRAGMA on the server's writing connection (reads go to another one)."""
    await connections.get("default").execute_script(statement)


async def assert_whole(api: Api, intake: dict[str, Any]) -> int:
    """Every case has its timeline entry, its event and its count, and nothing else is there."""
    cases = await Case.all().count()
    assert await CaseEvent.filter(kind=CaseEventKind.REPORTED).count() == cases
    assert await Event.filter(kind="case.reported").count() == cases
    # Besides the cases' events, the log holds only the demo's (its hotline token, made at "/")
    assert await Event.exclude(region_path="/").count() == cases
    numbers = await Counter.get_or_none(name="case:2026")
    assert (numbers.value if numbers else 0) == cases
    dashboard = await api.as_user("admin", DASHBOARD_TOTAL, {"r": intake["prefecture"]})
    assert dashboard["dashboard"]["total"] == cases
    seqs = [e.seq for e in await Event.all().order_by("seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    return cases


async def test_a_full_disk_refuses_with_storage_full_and_writes_nothing_half(
    api: Api, intake: dict[str, Any]
) -> None:
    # Given a working hotline and a disk that fills up now
    flows.ok(await push(api, intake, "before-full"))
    pages = (await connections.get("default").execute_query_dict("PRAGMA page_count"))[0]
    await writer_pragma(f"PRAGMA max_page_count = {pages['page_count']}")

    # When the hotline keeps pushing cases in
    answers = {}
    for i in range(100):
        ref = f"while-full-{i}"
        answers[ref] = await push(api, intake, ref)
        if answers[ref]["userErrors"]:
            break
    refused_ref, refused = list(answers.items())[-1]

    # Then the refusal says so plainly, with a code a client can act on
    assert refused["case"] is None
    [error] = refused["userErrors"]
    assert error["code"] == "STORAGE_FULL"
    assert "storage is full" in error["message"]
    # and what was acknowledged is there, the refused case is not, and nothing is half-written
    acknowledged = [ref for ref, answer in answers.items() if not answer["userErrors"]]
    assert await Case.filter(external_ref=refused_ref).count() == 0
    assert await Case.filter(external_ref__in=acknowledged).count() == len(acknowledged)
    assert await assert_whole(api, intake) == 1 + len(acknowledged)

    # When space is freed, the same call succeeds, once
    await writer_pragma("PRAGMA max_page_count = 1073741823")
    again = flows.ok(await push(api, intake, refused_ref))
    assert again["created"] is True
    assert await Case.filter(external_ref=refused_ref).count() == 1
    assert await assert_whole(api, intake) == 2 + len(acknowledged)


async def test_open311_clients_hear_a_full_disk_as_507_and_nothing_is_filed(
    api: Api, intake: dict[str, Any]
) -> None:
    # Given the hotline posting through Open311 into a grid, and a disk that fills up now
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    grid_code = (await lookup.grids_of(api, yanqing["id"]))[0]["code"]

    async def post(ref: str) -> httpx.Response:
        form = {
            "api_key": intake["token"],
            "jurisdiction_id": grid_code,
            "service_code": "heating.pipe-leak",
            "address_string": "연청사회구역 3동 延青社区3号楼",
            "description": LONG_TEXT,
            "attribute[EXTERNAL_REF]": ref,
        }
        return await api.http.post("/open311/v2/requests.json", data=form)

    assert (await post("open311-before")).status_code == 200
    pages = (await connections.get("default").execute_query_dict("PRAGMA page_count"))[0]
    await writer_pragma(f"PRAGMA max_page_count = {pages['page_count']}")

    # When the client keeps posting
    for i in range(100):
        response = await post(f"open311-full-{i}")
        if response.status_code != 200:
            break

    # Then it hears, in the spec's error format, that storage is full, and nothing was filed
    assert response.status_code == 507, response.text
    [error] = response.json()
    assert error["code"] == 507
    assert "storage is full" in error["description"]
    assert await Case.filter(external_ref=f"open311-full-{i}").count() == 0
    # and every acknowledged case is whole: the first one and the i that came before the refusal
    assert await assert_whole(api, intake) == 1 + i


@contextmanager
def write_lock_held_by_another_process(database: Path) -> Iterator[None]:
    """Another process opens the file and holds its write lock (BEGIN IMMEDIATE)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n"
            "db.execute('ROLLBACK')\n",
            str(database),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        assert holder.wait(30) == 0


async def test_a_database_locked_longer_than_the_busy_timeout_refuses_with_database_busy(
    api: Api, intake: dict[str, Any], database_url: str
) -> None:
    # Given a working hotline, and a server that waits 0.2 s (not 10) for a lock, for speed
    flows.ok(await push(api, intake, "before-lock"))
    await writer_pragma("PRAGMA busy_timeout = 200")

    # When another process holds the database's write lock while a case comes in, and while
    # someone signs in (login saves a session outside any userErrors)
    login = {"input": {"username": "resident1", "password": "grassroots"}}
    with write_lock_held_by_another_process(Path(database_url.removeprefix("sqlite://"))):
        refused = await push(api, intake, "while-locked")
        signing_in = await api.raw(LOGIN, login)

    # Then the caller is told the database is busy and to try again, and nothing was written
    assert refused["case"] is None
    [error] = refused["userErrors"]
    assert error["code"] == "DATABASE_BUSY"
    assert "try again" in error["message"]
    assert await Case.filter(external_ref="while-locked").count() == 0
    assert await assert_whole(api, intake) == 1
    # and the sign-in gets the same plain error, with its code, not a masked one
    assert signing_in["data"] is None  # login is non-null: the error nulls the whole answer
    assert [(e["message"], e["extensions"]) for e in signing_in["errors"]] == [
        (error["message"], {"code": "DATABASE_BUSY"})
    ]

    # When the lock is gone, trying again succeeds, once
    again = flows.ok(await push(api, intake, "while-locked"))
    assert again["created"] is True
    assert await assert_whole(api, intake) == 2


async def test_in_production_a_busy_database_is_told_plainly_not_masked(
    settings: Settings, database_url: str
) -> None:
    # Given a production server, which masks unexpected errors
    production = dataclasses.replace(settings, env="production", secret_key="s" * 40)
    app = create_app(production, run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await writer_pragma("PRAGMA busy_timeout = 200")
            login = {"input": {"username": "resident1", "password": "grassroots"}}

            # When someone signs in while another process holds the write lock
            with write_lock_held_by_another_process(Path(database_url.removeprefix("sqlite://"))):
                body = await Api(http).raw(LOGIN, login)

    # Then they read that the database is busy, with its code, not "Unexpected error."
    assert [e["extensions"] for e in body["errors"]] == [{"code": "DATABASE_BUSY"}]
    assert "try again" in body["errors"][0]["message"]
