"""The dashboard: figures a wall screen shows, moved by the cases as people would notice, kept
by counters that always equal a recount from the cases themselves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from grassroots.clock import FrozenClock
from grassroots.db import close_db, init_db
from grassroots.demo import build_demo
from grassroots.settings import Settings
from grassroots.workflow import stats
from grassroots.workflow.runtime import Runtime

from . import flows, lookup
from .client import Api, GraphQLFailure
from .conftest import Databases, database_settings
from .operations import ACCEPT_CASE, CLAIM_CASE, RATE_CASE, RESOLVE_CASE, WHISTLE_CASE
from .test_claim_race import _departments_with_staff

RATES = """
  responseRate resolutionRate satisfactionRate responsesDue responsesOnTime resolutions
  resolutionsOnTime ratings ratingsSatisfied claims meanMinutesToClaim meanHoursToResolve
"""
DASHBOARD = f"""
query Dashboard($regionId: ID!) {{
  dashboard(regionId: $regionId) {{
    region {{ nameZh }}
    timezone today total open newToday closedToday overdue
    byStatus {{ status count }}
    rates {{
      today {{ days since {RATES} }}
      last7Days {{ days since {RATES} }}
      last30Days {{ days since {RATES} }}
    }}
    topCategories {{ reported category {{ code nameKo nameZh nameEn name(locale: "zh") }} }}
    sources {{ source reported }}
    departmentRanking {{
      rank department {{ code nameZh name(locale: "en") }} rates {{ {RATES} }}
    }}
    grids {{ open overdue reported30Days grid {{ id nameKo nameZh nameEn name(locale: "ko") }} }}
    trend {{ day reported closed }}
    latestEvents {{ seq kind payload }}
  }}
}}
"""
CASE_TOTAL = "{ cases(first: 1) { totalCount } }"
REFUSED = "You may not see this region's dashboard"
TWENTY_FIVE_MINUTES = 25


async def dashboard(api: Api, user: str, region_id: str) -> dict[str, Any]:
    return (await api.as_user(user, DASHBOARD, {"regionId": region_id}))["dashboard"]


def by_status(board: dict[str, Any]) -> dict[str, int]:
    return {s["status"]: s["count"] for s in board["byStatus"] if s["count"]}


def grid(board: dict[str, Any], grid_id: str) -> dict[str, Any]:
    return next(g for g in board["grids"] if g["grid"]["id"] == grid_id)


async def whistle_to_heating(api: Api, case_id: str) -> None:
    flows.ok(
        (await api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case_id}}))["acceptCase"]
    )
    company = await lookup.department(api, "yanji-heating-co")
    office = await lookup.department(api, "yanji-heating-office")
    variables = {
        "input": {
            "caseId": case_id,
            "departmentIds": [company, office],
            "leadDepartmentId": company,
        }
    }
    flows.ok((await api.as_user("community1", WHISTLE_CASE, variables))["whistleCase"])


async def assert_counters_match_a_recount(tz_name: str = "Asia/Shanghai") -> None:
    from zoneinfo import ZoneInfo

    counted = (await stats.snapshot()).comparable()
    recounted = (await stats.recount(ZoneInfo(tz_name))).comparable()
    for table, rows in recounted.items():
        assert counted[table] == rows, (
            table,
            sorted(counted[table] - rows)[:5],
            sorted(rows - counted[table])[:5],
        )


async def test_a_case_moves_the_dashboard_as_people_would_notice(
    api: Api, clock: FrozenClock
) -> None:
    # Given the empty 延青社区 on a Monday morning (09:00 in Yanji)
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    first_grid = (await lookup.grids_of(api, yanqing["id"]))[0]
    board = await dashboard(api, "community1", yanqing["id"])
    assert board["timezone"] == "Asia/Shanghai"
    assert board["today"] == "2026-11-02"
    assert (board["total"], board["open"], board["newToday"], board["overdue"]) == (0, 0, 0, 0)
    assert len(board["grids"]) == 4
    assert len(board["trend"]) == 30
    assert board["rates"]["today"]["responseRate"] is None

    # When resident1 reports a leaking pipe in the first grid
    case_id = await flows.report(api, title="난방관 누수 暖气管道漏水")

    # Then it is new today, open, on the map and on the trend, and the feed shows it
    board = await dashboard(api, "community1", yanqing["id"])
    assert (board["total"], board["open"], board["newToday"]) == (1, 1, 1)
    assert by_status(board) == {"REPORTED": 1}
    assert grid(board, first_grid["id"])["open"] == 1
    assert grid(board, first_grid["id"])["reported30Days"] == 1
    assert board["trend"][-1] == {"day": "2026-11-02", "reported": 1, "closed": 0}
    assert board["topCategories"][0]["category"]["code"] == "heating.pipe-leak"
    assert board["topCategories"][0]["category"]["name"] == "暖气管道漏水"
    assert {s["source"]: s["reported"] for s in board["sources"]}["APP_PHOTO"] == 1
    assert board["latestEvents"][0]["kind"] == "case.reported"

    # When community1 whistles and the heating company claims 25 minutes later
    await whistle_to_heating(api, case_id)
    assert by_status(await dashboard(api, "community1", yanqing["id"])) == {"DISPATCHED": 1}
    clock.advance(minutes=TWENTY_FIVE_MINUTES)
    claim = await api.as_user("heating_co1", CLAIM_CASE, {"input": {"caseId": case_id}})
    flows.ok(claim["claimCase"])

    # Then the response rate counts the claim, on time, with its minutes
    board = await dashboard(api, "community1", yanqing["id"])
    assert by_status(board) == {"IN_PROGRESS": 1}
    today = board["rates"]["today"]
    assert (today["responsesDue"], today["responseRate"]) == (1, 1.0)
    assert today["meanMinutesToClaim"] == TWENTY_FIVE_MINUTES

    # When the 24-hour deadline passes unresolved
    clock.advance(hours=25)

    # Then the case is overdue, on the grid too, and yesterday's report is not new today
    board = await dashboard(api, "community1", yanqing["id"])
    assert board["today"] == "2026-11-03"
    assert (board["overdue"], board["newToday"]) == (1, 0)
    assert grid(board, first_grid["id"])["overdue"] == 1
    assert board["trend"][-2:] == [
        {"day": "2026-11-02", "reported": 1, "closed": 0},
        {"day": "2026-11-03", "reported": 0, "closed": 0},
    ]

    # When the company resolves it late and resident1 is satisfied
    resolve = {"input": {"caseId": case_id, "note": "수리 완료 已修复"}}
    flows.ok((await api.as_user("heating_co1", RESOLVE_CASE, resolve))["resolveCase"])
    clock.advance(hours=1)
    rate = {"input": {"caseId": case_id, "satisfaction": "SATISFIED"}}
    flows.ok((await api.as_user("resident1", RATE_CASE, rate))["rateCase"])

    # Then it is closed today, no longer overdue, and today's rates show a late resolution
    # and a satisfied rating
    board = await dashboard(api, "community1", yanqing["id"])
    assert (board["open"], board["overdue"], board["closedToday"]) == (0, 0, 1)
    assert by_status(board) == {"CLOSED": 1}
    today = board["rates"]["today"]
    assert (today["resolutions"], today["resolutionRate"]) == (1, 0.0)
    assert (today["ratings"], today["satisfactionRate"]) == (1, 1.0)
    assert today["meanHoursToResolve"] == 25.42  # reported 01:00, resolved 25h25m later
    assert today["responsesDue"] == 0  # the claim was yesterday
    month = board["rates"]["last30Days"]
    assert (month["days"], month["since"]) == (30, "2026-10-05")
    assert (month["responsesDue"], month["resolutions"], month["ratings"]) == (1, 1, 1)
    assert board["trend"][-1] == {"day": "2026-11-03", "reported": 0, "closed": 1}

    # and the feed holds the steps, newest first, with nothing personal in them
    kinds = [e["kind"] for e in board["latestEvents"]]
    assert kinds == [
        "case.rated",
        "case.resolved",
        "case.claimed",
        "case.whistled",
        "case.accepted",
        "case.reported",
    ]
    for event in board["latestEvents"]:
        assert not {"callerName", "callerPhone", "reporterId", "description"} & set(
            event["payload"]
        )

    # and the street and the city see the same case in their totals
    street = await lookup.region(api, "STREET", "建工街道")
    assert (await dashboard(api, "street1", street["id"]))["total"] == 1
    await assert_counters_match_a_recount()


async def test_departments_are_ranked_once_they_answered_enough(api: Api) -> None:
    # Given five cases whistled to the heating company and office
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    cases = [await flows.report(api, title=f"누수 {i} 漏水") for i in range(5)]
    for case_id in cases:
        await whistle_to_heating(api, case_id)

    # When the company claims four of them (the office never has to: the whistles are answered)
    for case_id in cases[:4]:
        flows.ok(
            (await api.as_user("heating_co1", CLAIM_CASE, {"input": {"caseId": case_id}}))[
                "claimCase"
            ]
        )
    board = await dashboard(api, "community1", yanqing["id"])

    # Then nobody is ranked yet: four responses are below the minimum of five
    assert board["departmentRanking"] == []

    # When the fifth is claimed too
    flows.ok(
        (await api.as_user("heating_co1", CLAIM_CASE, {"input": {"caseId": cases[4]}}))["claimCase"]
    )

    # Then the company is ranked, with its rates over the region's cases
    ranking = (await dashboard(api, "community1", yanqing["id"]))["departmentRanking"]
    assert [(r["rank"], r["department"]["code"]) for r in ranking] == [(1, "yanji-heating-co")]
    assert ranking[0]["department"]["name"] == "Yanji Heating Company"
    assert (ranking[0]["rates"]["responsesDue"], ranking[0]["rates"]["responseRate"]) == (5, 1.0)
    # but not on the dashboard of a community where it answered nothing
    minxing = await lookup.region(api, "COMMUNITY", "民兴社区")
    assert (await dashboard(api, "admin", minxing["id"]))["departmentRanking"] == []


async def test_today_is_the_citys_local_day(api: Api, clock: FrozenClock) -> None:
    # Given it is 23:30 in Yanji (15:30 UTC) and a case is reported
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    clock.set(datetime(2026, 11, 2, 15, 30, tzinfo=UTC))
    await flows.report(api)
    board = await dashboard(api, "screen1", yanqing["id"])
    assert (board["today"], board["newToday"]) == ("2026-11-02", 1)

    # When an hour passes: still 2 November in UTC, but past midnight in Yanji
    clock.advance(hours=1)

    # Then the report is yesterday's
    board = await dashboard(api, "screen1", yanqing["id"])
    assert (board["today"], board["newToday"]) == ("2026-11-03", 0)
    assert board["trend"][-2]["reported"] == 1


async def test_who_may_see_which_dashboard(api: Api) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    minxing = await lookup.region(api, "COMMUNITY", "民兴社区")
    yanji = await lookup.region(api, "CITY", "延吉市")

    # community staff, the wall screen and the street see 延青's dashboard
    for user in ("community1", "screen1", "grid1", "street1", "leader1", "admin"):
        assert (await dashboard(api, user, yanqing["id"]))["region"]["nameZh"] == "延青社区"
    # community1 does not see 民兴's, nor the city's; a resident sees none
    for user, region in (
        ("community1", minxing),
        ("community1", yanji),
        ("screen1", minxing),
        ("resident1", yanqing),
        ("heating_co1", yanqing),
    ):
        with pytest.raises(GraphQLFailure, match=REFUSED):
            await dashboard(api, user, region["id"])
    # nobody signed in is asked to sign in; an unknown region is null
    body = await api.raw(DASHBOARD, {"regionId": yanqing["id"]})
    assert body["errors"][0]["message"] == "Sign in first"
    assert await dashboard(api, "admin", "UmVnaW9uOjk5OTk5") is None  # Region:99999


async def test_concurrent_claims_keep_the_counts_right(api: Api) -> None:
    # Given a case whistled to five departments, none designated lead
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    case_id = await flows.report(api)
    flows.ok(
        (await api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case_id}}))["acceptCase"]
    )
    departments = await _departments_with_staff(5)
    whistle = {"input": {"caseId": case_id, "departmentIds": [d for d, _ in departments]}}
    flows.ok((await api.as_user("community1", WHISTLE_CASE, whistle))["whistleCase"])
    for _, username in departments:
        await api.login(username)

    # When all five claim at once
    claims = [
        api.as_user(username, CLAIM_CASE, {"input": {"caseId": case_id}})
        for _, username in departments
    ]
    await asyncio.gather(*claims)

    # Then the case moved once: one in progress, none left dispatched, five responses
    board = await dashboard(api, "community1", yanqing["id"])
    assert by_status(board) == {"IN_PROGRESS": 1}
    assert board["rates"]["today"]["responsesDue"] == 5
    await assert_counters_match_a_recount()


# --- the demo history --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Settings:
    data_dir = tmp_path_factory.mktemp("dashboard-demo")
    settings = database_settings(data_dir, databases.empty(data_dir))

    async def build() -> None:
        await init_db(settings.database_url)
        try:
            await build_demo(Runtime.create(settings, FrozenClock(datetime.now(UTC))), cases=150)
        finally:
            await close_db()

    asyncio.run(build())
    return settings


@pytest.fixture
async def demo_db(demo_settings: Settings) -> AsyncIterator[Settings]:
    settings = demo_settings
    await init_db(settings.database_url)
    try:
        yield settings
    finally:
        await close_db()


async def test_counters_equal_a_recount_after_the_demo_history(demo_db: Settings) -> None:
    # Given the demo city with 150 cases played through the workflow (whistles, escalations,
    # reopened cases, merges, rejections and ratings among them)
    counted = await stats.snapshot()

    # Then every counter equals a recount from the cases, whistles, ratings and timelines
    assert counted.status
    assert counted.region_day
    assert counted.department_day
    await assert_counters_match_a_recount(demo_db.timezone)


async def test_rebuilding_the_counters_gives_the_same_counters(demo_db: Settings) -> None:
    before = (await stats.snapshot()).comparable()
    await stats.rebuild(demo_db.zone)
    assert (await stats.snapshot()).comparable() == before


def test_counter_sql_binds_for_sqlite_and_postgresql() -> None:
    class Dialect:
        def __init__(self, name: str) -> None:
            self.capabilities = type("Capabilities", (), {"dialect": name})()

    upsert = stats.UPSERTS["stat_category_day"]
    assert stats.portable(upsert, Dialect("sqlite")) == upsert
    on_postgres = stats.portable(upsert, Dialect("postgres"))
    assert "?" not in on_postgres
    assert "VALUES ($1, $2, $3, $4, $5)" in on_postgres
    assert 'ON CONFLICT ("region_id", "day", "category_id")' in on_postgres
    # a subtree is a range of paths: "/1/4/" up to, not including, "/1/40"
    assert stats.path_upper("/1/4/") == "/1/40"
    assert "/1/4/9/" < stats.path_upper("/1/4/") <= "/1/40/"


async def test_the_latest_events_are_the_same_however_they_are_found(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grassroots.models import Region
    from grassroots.workflow import dashboard as board

    # Given cases in two communities of the same street
    await flows.case_in(api, "IN_PROGRESS")
    await flows.report(api, user="community2", community="民兴社区")
    street = await Region.get(name_zh="建工街道")
    scope = board.Scope(
        region=street,
        now=datetime.now(UTC),
        tz=Settings.from_env(environ={}).zone,
        today=datetime.now(UTC).date(),
        lower=street.path,
        upper=stats.path_upper(street.path),
    )

    async def latest() -> list[int]:
        return [e.seq for e in await board._latest_events(scope)]

    # When they are found region by region, by walking back the log, or by the path scan
    by_region = await latest()
    monkeypatch.setattr(board, "SEEK_REGIONS", 1)
    walking_back = await latest()
    monkeypatch.setattr(board, "WALK_BACK", 2)
    scanning = await latest()

    # Then they are the same events, newest first
    assert len(by_region) == 5  # report, accept, whistle, claim; and a report
    assert by_region == sorted(by_region, reverse=True)
    assert walking_back == by_region
    assert scanning == by_region
