"""A page of cases with its relations costs a constant number of SQL queries (no N+1)."""

from __future__ import annotations

from grassroots.models import Account, Category, Region
from grassroots.workflow import cases as flow
from grassroots.workflow.auth import load_actor

from .client import Api
from .sql_log import sql_statements

PAGE = """
query Page($first: Int!) {
  cases(first: $first) {
    edges { cursor node {
      id number title status overdue
      category { code name(locale: "zh") }
      region { nameZh }
      regionPath { code nameKo }
      queueRegion { code }
      departments { role claimedAt department { code } }
      leadDepartment { code }
      reporter { displayName masked }
      photos { url }
      lastEvent { kind actorName }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _many_cases(app: object, count: int) -> None:
    rt = app.state.rt  # type: ignore[attr-defined]
    resident = await load_actor(await Account.get(username="resident1"))
    staff = await load_actor(await Account.get(username="community1"))
    yanqing = await Region.get(name_zh="延青社区")
    grid = await Region.filter(parent_id=yanqing.id).first()
    category = await Category.get(code="heating.pipe-leak")
    assert grid is not None
    for i in range(count):
        case = await flow.report_case(
            rt,
            resident,
            flow.NewCase(
                title=f"사례 {i} 案例",
                description="설명 说明",
                category_id=category.id,
                region_id=grid.id,
            ),
        )
        if i % 2:
            await flow.accept_case(rt, staff, case.id)


async def test_a_page_of_100_costs_the_same_queries_as_a_page_of_10(api: Api, app: object) -> None:
    await _many_cases(app, 110)
    token = await api.login("admin")

    await api.run(PAGE, {"first": 5}, token=token)  # warm up caches and the token path
    with sql_statements() as small:
        page = await api.run(PAGE, {"first": 10}, token=token)
    assert len(page["cases"]["edges"]) == 10
    with sql_statements() as large:
        page = await api.run(PAGE, {"first": 100}, token=token)
    assert len(page["cases"]["edges"]) == 100
    assert page["cases"]["pageInfo"]["hasNextPage"] is True

    assert len(large.seen) == len(small.seen)
    assert len(large.seen) <= 15, f"{len(large.seen)} queries for one page"
