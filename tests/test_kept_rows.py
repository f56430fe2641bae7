"""The regions and departments a process keeps for what the API shows of them: an operator's
rename reaches the cases within a minute, and a region added meanwhile is found at once."""

from __future__ import annotations

import time
from typing import Any

from grassroots.models import Department, Region
from grassroots.workflow.kept_rows import DEFAULT_TTL_SECONDS
from grassroots.workflow.regions import create_region

from . import flows, lookup
from .client import Api
from .operations import REPORT_CASE

SHOWN = """
query Shown($id: ID!) {
  node(id: $id) {
    ... on Case { regionPath { nameZh } departments { department { nameZh } } }
  }
}
"""


async def shown(api: Api, case_id: str) -> dict[str, Any]:
    data = await api.as_user("community1", SHOWN, {"id": case_id})
    return {
        "departments": [d["department"]["nameZh"] for d in data["node"]["departments"]],
        "regions": [r["nameZh"] for r in data["node"]["regionPath"]],
    }


async def test_a_renamed_department_reaches_its_cases_within_a_minute(app: Any, api: Api) -> None:
    # Given a process that has shown a dispatched case and its departments
    now = [time.monotonic()]
    app.state.rt.department_rows.monotonic = lambda: now[0]
    case_id = await flows.case_in(api, "DISPATCHED")
    before = await shown(api, case_id)
    assert "延吉市供热公司" in before["departments"], before

    # When an operator renames the heating company, in the database
    await Department.filter(code="yanji-heating-co").update(name_zh="延吉热力集团")

    # Then within the minute the case shows the name as it was read
    now[0] += DEFAULT_TTL_SECONDS - 1
    assert await shown(api, case_id) == before
    # and after it, the new name
    now[0] += 2
    after = await shown(api, case_id)
    assert "延吉热力集团" in after["departments"]
    assert "延吉市供热公司" not in after["departments"]


async def test_a_region_added_meanwhile_is_found_at_once(api: Api) -> None:
    # Given a process that has shown a case, and so its regions
    case_id = await flows.report(api)
    await shown(api, case_id)
    community = await Region.get(name_zh="延青社区")

    # When an operator adds a grid in the database, and a case is reported in it
    grid = await create_region(
        community,
        code="yq-grid-new",
        level="GRID",
        name_ko="새 격자",
        name_zh="新网格",
        name_en="New grid",
    )
    grids = await lookup.grids_of(api, (await lookup.region(api, "COMMUNITY", "延青社区"))["id"])
    case_input = {
        "title": "새 격자에서 在新网格",
        "description": "확인 부탁드립니다 请核实处理",
        "categoryId": await lookup.category(api, "heating.pipe-leak"),
        "regionId": next(g["id"] for g in grids if g["code"] == grid.code),
    }
    reported = await api.as_user("resident1", REPORT_CASE, {"input": case_input})

    # Then the new case shows the new grid at once
    new_case = flows.ok(reported["reportCase"])["case"]["id"]
    assert (await shown(api, new_case))["regions"][-2:] == ["延青社区", "新网格"]
