"""The categories a process keeps: an operator's edit of an SLA policy reaches new deadlines
within a minute, a category added meanwhile is found at once, and one deleted meanwhile is
refused by name."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from grassroots.models import Case, Category
from grassroots.workflow.kept_rows import DEFAULT_TTL_SECONDS

from . import flows, lookup
from .client import Api
from .conftest import START
from .operations import REPORT_CASE

METER_TITLE = "열량계 고장 热量表坏了"


def hours_to_resolve(payload: dict) -> float:
    due = datetime.fromisoformat(flows.ok(payload)["case"]["resolveDueAt"])
    return (due - START) / timedelta(hours=1)


async def add_meter() -> Category:
    """What an operator adds in the database: a category that no case uses yet."""
    return await Category.create(
        code="heating.meter", name_ko="열량계", name_zh="热量表", name_en="Heat meter"
    )


async def report_in(api: Api, category_id: str) -> dict[str, Any]:
    """resident1 reports a broken heat meter in the first grid of 延青社区, in `category_id`:
    the reportCase payload."""
    community = await lookup.region(api, "COMMUNITY", "延青社区")
    grid = (await lookup.grids_of(api, community["id"]))[0]
    case_input = {
        "title": METER_TITLE,
        "description": "숫자가 안 보입니다 数字看不见",
        "categoryId": category_id,
        "regionId": grid["id"],
    }
    data = await api.as_user("resident1", REPORT_CASE, {"input": case_input})
    return dict(data["reportCase"])


async def test_an_edited_sla_policy_reaches_new_cases_within_a_minute(app: Any, api: Api) -> None:
    # Given a process that has reported a pipe leak under the demo city's policy
    now = [time.monotonic()]
    app.state.rt.categories.monotonic = lambda: now[0]
    before = hours_to_resolve(await flows.report_payload(api))

    # When an operator shortens the policy to 5 clock hours, in the database
    await Category.filter(code="heating.pipe-leak").update(
        resolve_hours=5, resolve_working_days=None, sla_overrides={}
    )

    # Then cases reported within the minute keep the policy as it was read
    now[0] += DEFAULT_TTL_SECONDS - 1
    assert hours_to_resolve(await flows.report_payload(api)) == before
    # and those reported after it are due in 5 hours
    now[0] += 2
    assert before != 5
    assert hours_to_resolve(await flows.report_payload(api)) == 5


async def test_a_category_added_meanwhile_is_found_at_once(api: Api) -> None:
    # Given a process that has read the categories for a report
    await flows.report(api)

    # When an operator adds a category in the database
    added = await add_meter()

    # Then a report in it is taken at once
    payload = await report_in(api, await lookup.category(api, "heating.meter"))
    assert flows.ok(payload)["case"]["category"]["code"] == added.code


async def test_a_category_deleted_meanwhile_is_refused_by_name(api: Api) -> None:
    # Given a category that no case uses, kept by a process that has read the categories
    await add_meter()
    meter = await lookup.category(api, "heating.meter")
    await flows.report(api)

    # When an operator deletes it in the database, and a resident reports in it at once
    await Category.filter(code="heating.meter").delete()
    payload = await report_in(api, meter)

    # Then the report is refused, naming the field, and no case is made
    errors = payload["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("categoryId", "NOT_FOUND")]
    assert payload["case"] is None
    assert not await Case.filter(title=METER_TITLE).exists()
