"""Live events over graphql-transport-ws: replay from `since`, then follow, across reconnects,
within the subscriber's scope, with nothing personal on a wall screen."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from . import flows, lookup
from .client import Api
from .live import LiveClient, serving
from .operations import ACCEPT_CASE, EVENTS, WHISTLE_CASE

EVENTS_SUBSCRIPTION = """
subscription Follow($regionId: ID!, $since: Int) {
  events(regionId: $regionId, since: $since) { seq kind subjectId payload }
}
"""
CASE_SUBSCRIPTION = """
subscription Watch($id: ID!) {
  caseUpdated(id: $id) { id status timeline { kind } reporter { displayName phone masked } }
}
"""


def _events(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for message in messages:
        assert message["type"] == "next", message
    return [m["payload"]["data"]["events"] for m in messages]


async def _last_seq(api: Api, region_id: str) -> int:
    rows = (await api.as_user("admin", EVENTS, {"regionId": region_id, "since": 0}))["events"]
    return rows[-1]["seq"] if rows else 0


async def test_a_reconnecting_client_gets_exactly_what_it_missed(api: Api, app: Starlette) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    start = await _last_seq(api, yanqing["id"])
    token = await api.login("community1")
    async with serving(app) as url:
        # Given a subscriber following 延青 from now
        async with LiveClient.connect(url, token) as live:
            await live.subscribe(EVENTS_SUBSCRIPTION, {"regionId": yanqing["id"], "since": start})
            # When a case is reported, it sees it live
            case_id = await flows.report(api)
            first = _events(await live.take(1))
            assert [e["kind"] for e in first] == ["case.reported"]
            seen = first[-1]["seq"]
        # When it is disconnected while the case is accepted and whistled
        flows.ok(
            (await api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case_id}}))[
                "acceptCase"
            ]
        )
        company = await lookup.department(api, "yanji-heating-co")
        whistle = {"input": {"caseId": case_id, "departmentIds": [company]}}
        flows.ok((await api.as_user("community1", WHISTLE_CASE, whistle))["whistleCase"])
        # Then on reconnecting with the last seq it saw, it gets exactly the missed events
        async with LiveClient.connect(url, token) as live:
            await live.subscribe(EVENTS_SUBSCRIPTION, {"regionId": yanqing["id"], "since": seen})
            missed = _events(await live.take(2))
            assert [e["kind"] for e in missed] == ["case.accepted", "case.whistled"]
            assert [e["seq"] for e in missed] == sorted({e["seq"] for e in missed})
            assert missed[0]["seq"] > seen
            assert await live.quiet(0.3)
            # and then follows live again
            await flows.report(api, title="또 다른 신고 另一个")
            again = _events(await live.take(1))
            assert again[0]["seq"] > missed[-1]["seq"]
            assert again[0]["kind"] == "case.reported"
    # and everything it received is the log, in order, without gaps
    log = (await api.as_user("admin", EVENTS, {"regionId": yanqing["id"], "since": start}))[
        "events"
    ]
    assert [e["seq"] for e in log] == [e["seq"] for e in first + missed + again]


async def test_a_wall_screen_sees_its_community_only_and_nothing_personal(
    api: Api, app: Starlette
) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    minxing = await lookup.region(api, "COMMUNITY", "民兴社区")
    token = await api.login("screen1")
    async with serving(app) as url, LiveClient.connect(url, token) as live:
        # A DISPLAY scoped to 延青 may not follow 民兴
        op = await live.subscribe(EVENTS_SUBSCRIPTION, {"regionId": minxing["id"]})
        refused = await live.receive()
        assert refused["type"] == "error"
        assert refused["id"] == op
        assert "may not follow" in refused["payload"][0]["message"]

        # Following 延青, it gets 延青's report but not 民兴's
        await live.subscribe(EVENTS_SUBSCRIPTION, {"regionId": yanqing["id"]})
        await flows.report(api, user="resident3", community="民兴社区", title="민흥 民兴")
        mine = await flows.report(api, title="연청 延青")
        received = _events(await live.take(1))
        assert received[0]["payload"]["title"] == "연청 延青"
        assert await live.quiet(0.3)

        # and nothing personal: neither in events nor in the case it watches
        await live.subscribe(CASE_SUBSCRIPTION, {"id": mine})
        flows.ok(
            (await api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": mine}}))[
                "acceptCase"
            ]
        )
        messages = await live.take(2)
        text = str(messages) + str(received)
        for secret in ("13804331234", "김민수", "金民洙"):
            assert secret not in text
        case = next(m for m in messages if "caseUpdated" in m["payload"]["data"])
        assert case["payload"]["data"]["caseUpdated"]["reporter"]["masked"] is True
        assert case["payload"]["data"]["caseUpdated"]["status"] == "ACCEPTED"


async def test_case_updated_follows_one_case(api: Api, app: Starlette) -> None:
    case_id = await flows.case_in(api, "REPORTED")
    other = await flows.report(api, title="다른 건 别的")
    token = await api.login("resident1")
    async with serving(app) as url, LiveClient.connect(url, token) as live:
        await live.subscribe(CASE_SUBSCRIPTION, {"id": case_id})
        for case in (other, case_id):
            variables = {"input": {"caseId": case}}
            flows.ok((await api.as_user("community1", ACCEPT_CASE, variables))["acceptCase"])
        update = (await live.take(1))[0]["payload"]["data"]["caseUpdated"]
        assert update["id"] == case_id
        assert update["status"] == "ACCEPTED"
        assert [s["kind"] for s in update["timeline"]] == ["REPORTED", "ACCEPTED"]
        assert update["reporter"]["masked"] is False  # the reporter sees their own data
        assert await live.quiet(0.3)


@pytest.mark.parametrize("token", [None, "gr_not-a-real-token"])
async def test_subscriptions_need_a_valid_token(
    api: Api, app: Starlette, token: str | None
) -> None:
    import websockets

    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    async with serving(app) as url:
        if token is None:
            async with LiveClient.connect(url, None) as live:
                await live.subscribe(EVENTS_SUBSCRIPTION, {"regionId": yanqing["id"]})
                refused = await live.receive()
                assert refused["type"] == "error"
                assert "Sign in" in refused["payload"][0]["message"]
        else:
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                async with LiveClient.connect(url, token):
                    pass
            assert closed.value.rcvd.code == 4403


async def test_queries_and_mutations_run_over_the_socket(api: Api, app: Starlette) -> None:
    token = await api.login("community1")
    async with serving(app) as url, LiveClient.connect(url, token) as live:
        op = await live.subscribe("query { me { username } }")
        answer, done = await live.take(2)
        assert answer == {
            "id": op,
            "type": "next",
            "payload": {"data": {"me": {"username": "community1"}}},
        }
        assert done == {"id": op, "type": "complete"}


DUPLICATED_FIELDS = 'subscription { events(regionId: "1") { ' + "seq " * 11 + "} }"


async def test_a_subscription_meets_the_same_document_limits_as_a_query(
    api: Api, app: Starlette
) -> None:
    # Given community staff on the live endpoint
    token = await api.login("community1")
    async with serving(app) as url, LiveClient.connect(url, token) as live:
        # When they subscribe with one field selected eleven times (HTTP refuses more than ten)
        op = await live.subscribe(DUPLICATED_FIELDS)
        # Then the subscription is refused with the same error, and nothing follows
        (refused,) = await live.take(1)
        assert refused["id"] == op
        assert refused["type"] == "error"
        assert refused["payload"][0]["message"].startswith("The field 'seq' is selected")
        assert await live.quiet()


DASHBOARD_SUBSCRIPTION = """
subscription Screen($regionId: ID!) { dashboardUpdated(regionId: $regionId) { newToday open } }
"""


async def test_the_dashboard_is_pushed_at_most_once_a_second_and_only_on_change(
    api: Api, app: Starlette
) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    minxing = await lookup.region(api, "COMMUNITY", "民兴社区")
    token = await api.login("screen1")
    async with serving(app) as url, LiveClient.connect(url, token) as live:
        # Given a wall screen showing 延青's dashboard
        await live.subscribe(DASHBOARD_SUBSCRIPTION, {"regionId": yanqing["id"]})
        first = (await live.take(1))[0]["payload"]["data"]["dashboardUpdated"]

        # When three cases are reported in quick succession
        for i in range(3):
            await flows.report(api, title=f"연속 신고 {i} 连续")

        # Then one fresh dashboard arrives with all three, not three dashboards
        update = (await live.take(1, within=3))[0]["payload"]["data"]["dashboardUpdated"]
        if update["newToday"] < first["newToday"] + 3:  # the first tick may split the burst
            update = (await live.take(1, within=3))[0]["payload"]["data"]["dashboardUpdated"]
        assert update["newToday"] == first["newToday"] + 3
        assert update["open"] == first["open"] + 3
        # and nothing more while nothing changes, not even a change elsewhere
        await flows.report(api, user="resident3", community="民兴社区", title="민흥 民兴")
        assert await live.quiet(1.5)

        # and a screen may not follow another community's dashboard
        await live.subscribe(DASHBOARD_SUBSCRIPTION, {"regionId": minxing["id"]})
        refused = await live.receive()
        assert refused["type"] == "error"
