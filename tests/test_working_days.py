"""Deadlines in working days across the 2026 National Day holiday.

The official 2026 schedule: 1-7 October off, Sunday 20 September and Saturday 10 October
worked. In the demo city a heating-charges question is answered within 3 working days, and a
roof leak is claimed within 1 working day and repaired within 5.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from starlette.applications import Starlette

from grassroots.clock import FrozenClock
from grassroots.workflow.escalation import escalate_overdue

from . import flows, lookup
from .client import Api
from .operations import (
    ACCEPT_CASE,
    CASE,
    CLAIM_CASE,
    EVENTS,
    REPORT_CASE,
    RESOLVE_CASE,
    WHISTLE_CASE,
)

CITY = ZoneInfo("Asia/Shanghai")


def at(*moment: int) -> datetime:
    """A moment of the city's local time, in UTC as the system clock gives it."""
    return datetime(*moment, tzinfo=CITY).astimezone(UTC)


EVE_OF_NATIONAL_DAY = at(2026, 9, 30, 10, 0)

CALENDAR = """
query Calendar($year: Int!) {
  calendar(year: $year) { year hasOfficialSchedule days { date isWorkingDay name overridden } }
}
"""

SET_CALENDAR_DAY = """
mutation Set($input: SetCalendarDayInput!) {
  setCalendarDay(input: $input) {
    day { date isWorkingDay name overridden }
    userErrors { field message code }
  }
}
"""

CATEGORIES = "{ categories { code claimMinutes resolveHours claimWorkingDays resolveWorkingDays } }"

DEPARTMENT_RATES = """
query Rates($id: ID!) { node(id: $id) { ... on Department {
  rates { responsesDue responseRate resolutionsDue resolutionRate } } } }
"""


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(CITY)


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=CITY)


async def report(api: Api, category_code: str) -> dict:
    place = await lookup.region(api, "COMMUNITY", "延青社区")
    grid = (await lookup.grids_of(api, place["id"]))[0]
    variables = {
        "input": {
            "title": "지붕에서 물이 샙니다 屋顶漏水",
            "description": "확인 부탁드립니다 请核实处理",
            "categoryId": await lookup.category(api, category_code),
            "regionId": grid["id"],
        }
    }
    return flows.ok((await api.as_user("resident1", REPORT_CASE, variables))["reportCase"])["case"]


async def whistled_roof_leak(api: Api) -> str:
    """A roof leak reported, accepted and whistled to the housing office on 30 September."""
    case_id = str((await report(api, "housing.roof-leak"))["id"])
    accept = {"input": {"caseId": case_id}}
    flows.ok((await api.as_user("community1", ACCEPT_CASE, accept))["acceptCase"])
    housing = await lookup.department(api, "yanji-housing")
    whistle = {"input": {"caseId": case_id, "departmentIds": [housing]}}
    flows.ok((await api.as_user("community1", WHISTLE_CASE, whistle))["whistleCase"])
    return case_id


async def set_day(api: Api, user: str, **values: object) -> dict:
    return (await api.as_user(user, SET_CALENDAR_DAY, {"input": values}))["setCalendarDay"]


async def test_three_working_days_from_the_eve_of_national_day_end_on_the_make_up_saturday(
    api: Api, clock: FrozenClock
) -> None:
    # Given the demo's heating-charges policy of 3 working days, on the eve of the holiday
    policies = {c["code"]: c for c in (await api.run(CATEGORIES))["categories"]}
    assert policies["heating.billing"]["resolveWorkingDays"] == 3
    assert policies["heating.pipe-leak"]["resolveWorkingDays"] is None
    clock.set(EVE_OF_NATIONAL_DAY)

    # When a resident asks about the heating charges
    case = await report(api, "heating.billing")

    # Then the holiday does not count: 8 and 9 October do, and so does Saturday 10 October
    assert local(case["resolveDueAt"]) == end_of(2026, 10, 10)

    # and made urgent, its 1.5 days round up to 2 working days, still after the holiday
    variables = {"input": {"caseId": case["id"], "urgency": "URGENT"}}
    urgent = flows.ok((await api.as_user("community1", ACCEPT_CASE, variables))["acceptCase"])
    assert local(urgent["case"]["resolveDueAt"]) == end_of(2026, 10, 9)

    # while an hour-based policy keeps counting the clock through the holiday
    pipe_leak = (await api.as_user("admin", CASE, {"id": await flows.report(api)}))["node"]
    assert local(pipe_leak["resolveDueAt"]) == datetime(2026, 10, 1, 10, 0, tzinfo=CITY)


async def test_no_escalation_during_the_holiday_and_escalation_after_it(
    api: Api, app: Starlette, clock: FrozenClock
) -> None:
    # Given a roof leak whistled to the housing office on 30 September, to claim in 1 working day
    clock.set(EVE_OF_NATIONAL_DAY)
    case_id = await whistled_roof_leak(api)
    case = (await api.as_user("community1", CASE, {"id": case_id}))["node"]
    assert local(case["claimDueAt"]) == end_of(2026, 10, 8)
    rt = app.state.rt

    # When the holiday passes unclaimed, nothing is overdue and nothing escalates
    clock.set(at(2026, 10, 7, 23, 30))
    assert await escalate_overdue(rt) == 0
    assert (await api.as_user("community1", CASE, {"id": case_id}))["node"]["overdue"] is False

    # nor during the first working day after it
    clock.set(at(2026, 10, 8, 23, 0))
    assert await escalate_overdue(rt) == 0
    assert (await api.as_user("community1", CASE, {"id": case_id}))["node"]["overdue"] is False

    # When that working day closes unclaimed
    clock.set(at(2026, 10, 9, 0, 1))

    # Then the case is overdue and moves up to the street
    assert (await api.as_user("community1", CASE, {"id": case_id}))["node"]["overdue"] is True
    assert await escalate_overdue(rt) == 1
    case = (await api.as_user("street1", CASE, {"id": case_id}))["node"]
    assert (case["status"], case["level"]) == ("ACCEPTED", "STREET")
    assert case["timeline"][-1]["kind"] == "ESCALATED"


async def test_a_claim_and_a_repair_after_the_holiday_count_as_in_time(
    api: Api, clock: FrozenClock
) -> None:
    # Given a roof leak whistled to the housing office on the eve of the holiday
    clock.set(EVE_OF_NATIONAL_DAY)
    case_id = await whistled_roof_leak(api)

    # When the office claims it on the first working day after the holiday
    clock.set(at(2026, 10, 8, 9, 0))
    claim = {"input": {"caseId": case_id}}
    claimed = flows.ok((await api.as_user("housing1", CLAIM_CASE, claim))["claimCase"])
    assert claimed["onTime"] is True

    # and repairs it on the 5th working day (8, 9, 10 make-up, 12, 13 October)
    assert local(claimed["case"]["resolveDueAt"]) == end_of(2026, 10, 13)
    clock.set(at(2026, 10, 13, 17, 0))
    resolve = {"input": {"caseId": case_id, "note": "방수층 보수 已修补防水层"}}
    flows.ok((await api.as_user("housing1", RESOLVE_CASE, resolve))["resolveCase"])

    # Then the office's response and resolution rates count both as in time
    housing = await lookup.department(api, "yanji-housing")
    rates = (await api.as_user("admin", DEPARTMENT_RATES, {"id": housing}))["node"]["rates"]
    assert rates == {
        "responsesDue": 1,
        "responseRate": 1.0,
        "resolutionsDue": 1,
        "resolutionRate": 1.0,
    }


async def test_the_official_2026_calendar_is_shipped(api: Api) -> None:
    year = (await api.as_user("resident1", CALENDAR, {"year": 2026}))["calendar"]
    assert year["hasOfficialSchedule"] is True
    days = {d["date"]: d for d in year["days"]}
    national_day = [d for d, v in days.items() if "国庆节" in v["name"] and not v["isWorkingDay"]]
    assert national_day == [f"2026-10-0{n}" for n in range(1, 8)]
    assert days["2026-10-10"]["isWorkingDay"] is True  # a Saturday
    assert days["2026-09-20"]["isWorkingDay"] is True  # a Sunday
    assert days["2026-02-15"]["isWorkingDay"] is False  # Spring Festival
    assert not any(d["overridden"] for d in days.values())


async def test_an_admin_holiday_moves_the_deadline_until_it_is_removed(
    api: Api, clock: FrozenClock
) -> None:
    # Given the administrator gives Friday 9 October off (say, for a typhoon)
    set_off = await set_day(api, "admin", date="2026-10-09", isWorkingDay=False, name="台风停工")
    assert set_off["userErrors"] == []
    assert set_off["day"] == {
        "date": "2026-10-09",
        "isWorkingDay": False,
        "name": "台风停工",
        "overridden": True,
    }
    year = (await api.as_user("resident1", CALENDAR, {"year": 2026}))["calendar"]
    assert set_off["day"] in year["days"]
    # and the change is in the event log, for the whole prefecture
    prefecture = (await api.run(lookup.REGIONS, {"level": "PREFECTURE"}))["regions"][0]
    log = await api.as_user("admin", EVENTS, {"regionId": prefecture["id"], "since": 0})
    changes = [e for e in log["events"] if e["kind"] == "calendar.day_set"]
    assert [e["payload"]["date"] for e in changes] == ["2026-10-09"]

    # When a heating-charges question (3 working days) comes in on the eve of the holiday
    clock.set(EVE_OF_NATIONAL_DAY)
    case = await report(api, "heating.billing")

    # Then it is due at the end of Monday 12 October instead of Saturday 10 October
    assert local(case["resolveDueAt"]) == end_of(2026, 10, 12)

    # When the override is removed, the official schedule applies again to new cases
    cleared = await set_day(api, "admin", date="2026-10-09", isWorkingDay=None)
    assert cleared["day"] == {
        "date": "2026-10-09",
        "isWorkingDay": True,
        "name": "",
        "overridden": False,
    }
    again = await report(api, "heating.billing")
    assert local(again["resolveDueAt"]) == end_of(2026, 10, 10)
    # and the first case keeps the deadline it was given
    first = (await api.as_user("resident1", CASE, {"id": case["id"]}))["node"]
    assert local(first["resolveDueAt"]) == end_of(2026, 10, 12)


async def test_bad_calendar_input_names_the_field_and_changes_nothing(api: Api) -> None:
    too_early = await set_day(api, "admin", date="1999-12-31", isWorkingDay=False)
    assert [(e["field"], e["code"]) for e in too_early["userErrors"]] == [("date", "INVALID_INPUT")]
    assert too_early["day"] is None
    long_name = await set_day(api, "admin", date="2026-10-09", isWorkingDay=False, name="假" * 65)
    assert [(e["field"], e["code"]) for e in long_name["userErrors"]] == [("name", "INVALID_INPUT")]

    bad_year = await api.raw(CALENDAR, {"year": 3000}, token=await api.login("admin"))
    assert "year" in bad_year["errors"][0]["message"]

    year = (await api.as_user("admin", CALENDAR, {"year": 2026}))["calendar"]
    assert not any(d["overridden"] for d in year["days"])


async def test_only_administrators_change_the_calendar(api: Api) -> None:
    for user in ("community1", "city1", "resident1"):
        refused = await set_day(api, user, date="2026-10-09", isWorkingDay=False)
        assert [e["code"] for e in refused["userErrors"]] == ["PERMISSION_DENIED"], user
    anonymous = await api.raw(
        SET_CALENDAR_DAY, {"input": {"date": "2026-10-09", "isWorkingDay": False}}
    )
    errors = anonymous["data"]["setCalendarDay"]["userErrors"]
    assert [e["code"] for e in errors] == ["UNAUTHENTICATED"]

    year = (await api.as_user("admin", CALENDAR, {"year": 2026}))["calendar"]
    assert "2026-10-09" not in {d["date"] for d in year["days"]}  # still a plain Friday
