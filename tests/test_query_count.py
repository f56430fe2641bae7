"""A page of cases with its relations costs a constant number of SQL queries (no N+1)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from grassroots.models import Account, Category, Region
from grassroots.workflow import cases as flow
from grassroots.workflow.auth import load_actor

from .client import Api

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


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.queries += 1


@contextmanager
def counting_queries() -> Iterator[_Counter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = _Counter()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(old_level)


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
    with counting_queries() as small:
        page = await api.run(PAGE, {"first": 10}, token=token)
    assert len(page["cases"]["edges"]) == 10
    with counting_queries() as large:
        page = await api.run(PAGE, {"first": 100}, token=token)
    assert len(page["cases"]["edges"]) == 100
    assert page["cases"]["pageInfo"]["hasNextPage"] is True

    assert large.queries == small.queries
    assert large.queries <= 15, f"{large.queries} queries for one page"
