"""The case queue: visibility by role and scope, filters, order and cursors."""

from __future__ import annotations

from grassroots.clock import FrozenClock

from . import flows, lookup
from .client import Api
from .operations import CASE

QUEUE = """
query Queue($first: Int!, $after: String, $filter: CaseFilter, $order: CaseOrder!) {
  cases(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount
    edges { cursor node { id title status overdue } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _ids(api: Api, user: str, filter: dict | None = None, order: str = "CREATED_DESC"):
    data = await api.as_user(user, QUEUE, {"first": 100, "filter": filter, "order": order})
    return [e["node"]["id"] for e in data["cases"]["edges"]]


async def test_each_role_sees_only_its_cases(api: Api) -> None:
    # Given one case in 延青 by resident1, one in another community by resident3,
    # and the first whistled to the heating company
    mine = await flows.case_in(api, "DISPATCHED")
    other = await flows.report(
        api, user="resident3", title="다른 동네 别的社区", community="民兴社区"
    )

    # Then
    assert set(await _ids(api, "resident1")) == {mine}
    assert set(await _ids(api, "resident3")) == {other}
    assert set(await _ids(api, "community1")) == {mine}
    assert set(await _ids(api, "heating_co1")) == {mine}
    assert set(await _ids(api, "urban1")) == set()
    assert set(await _ids(api, "city1")) == {mine, other}
    assert set(await _ids(api, "admin")) == {mine, other}
    assert set(await _ids(api, "screen1")) == {mine}
    # and node() answers null for a case out of scope, without saying it exists
    assert (await api.as_user("resident1", CASE, {"id": other}))["node"] is None
    assert (await api.as_user("urban1", CASE, {"id": mine}))["node"] is None


async def test_personal_data_is_masked_for_those_who_may_not_see_it(api: Api) -> None:
    case_id = await flows.case_in(api, "DISPATCHED")
    query = (
        "query($id: ID!) { node(id: $id) { ... on Case {"
        " reporter { displayName phone masked } } } }"
    )
    full = {"displayName": "김민수 金民洙", "phone": "13804331234", "masked": False}
    assert (await api.as_user("community1", query, {"id": case_id}))["node"]["reporter"] == full
    assert (await api.as_user("resident1", query, {"id": case_id}))["node"]["reporter"] == full
    masked = (await api.as_user("screen1", query, {"id": case_id}))["node"]["reporter"]
    assert masked == {"displayName": "김** 金**", "phone": "138****1234", "masked": True}
    # a summoned department sees the phone only once it leads the case
    before = (await api.as_user("heating_office1", query, {"id": case_id}))["node"]["reporter"]
    assert before["masked"] is True
    timeline = "query($id: ID!) { node(id: $id) { ... on Case { timeline { actorName } } } }"
    steps = (await api.as_user("screen1", timeline, {"id": case_id}))["node"]["timeline"]
    assert steps[0]["actorName"] == "김** 金**"


async def test_filters_narrow_the_queue(api: Api, clock: FrozenClock) -> None:
    reported = await flows.report(api, title="음식물 쓰레기 餐厨垃圾")
    dispatched = await flows.case_in(api, "DISPATCHED")
    clock.advance(hours=2)  # the whistle's 60 minutes have passed
    resolved = await flows.case_in(api, "RESOLVED")
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    other = await lookup.region(api, "COMMUNITY", "民兴社区")

    assert await _ids(api, "admin", {"statuses": ["REPORTED"]}) == [reported]
    assert await _ids(api, "admin", {"overdue": True}) == [dispatched]
    assert set(await _ids(api, "admin", {"overdue": False})) == {reported, resolved}
    assert await _ids(api, "admin", {"text": "餐厨"}) == [reported]
    assert set(await _ids(api, "admin", {"regionId": yanqing["id"]})) == {
        reported,
        dispatched,
        resolved,
    }
    assert await _ids(api, "admin", {"regionId": other["id"]}) == []
    company = await lookup.department(api, "yanji-heating-co")
    assert set(await _ids(api, "admin", {"departmentId": company})) == {dispatched, resolved}
    heating = await lookup.category(api, "heating")
    assert len(await _ids(api, "admin", {"categoryId": heating})) == 3
    assert await _ids(api, "admin", {"sources": ["HOTLINE_12345"]}) == []
    newest = await _ids(api, "admin", {"createdAfter": clock.now().isoformat()})
    assert newest == [resolved]
    assert await _ids(api, "admin") == [resolved, dispatched, reported]
    assert await _ids(api, "admin", order="CREATED_ASC") == [reported, dispatched, resolved]


async def test_cursors_walk_every_case_once(api: Api) -> None:
    made = [await flows.report(api, title=f"사례 {i}") for i in range(7)]
    seen: list[str] = []
    after = None
    while True:
        data = await api.as_user(
            "admin", QUEUE, {"first": 3, "after": after, "order": "CREATED_ASC"}
        )
        page = data["cases"]
        assert page["totalCount"] == 7
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == made


async def test_a_bad_cursor_or_filter_is_an_error_naming_it(api: Api) -> None:
    token = await api.login("admin")
    body = await api.raw(
        QUEUE, {"first": 5, "after": "garbage!", "order": "CREATED_DESC"}, token=token
    )
    assert body["errors"][0]["message"].startswith("after:")
    body = await api.raw(
        QUEUE,
        {"first": 5, "filter": {"regionId": "UmVnaW9uOjk5OTk5"}, "order": "CREATED_DESC"},
        token=token,
    )
    assert body["errors"][0]["message"].startswith("filter.regionId:")


async def test_case_by_number(api: Api) -> None:
    case_id = await flows.report(api)
    number = (await api.as_user("resident1", CASE, {"id": case_id}))["node"]["number"]
    query = "query($n: String!) { caseByNumber(number: $n) { id } }"
    assert (await api.as_user("community1", query, {"n": number}))["caseByNumber"]["id"] == case_id
    assert (await api.as_user("resident3", query, {"n": number}))["caseByNumber"] is None
