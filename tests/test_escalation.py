"""Escalation: a whistle nobody claims in time moves the case to the next level's queue."""

from __future__ import annotations

import asyncio
import dataclasses

from starlette.applications import Starlette

from grassroots.app import create_app
from grassroots.clock import FrozenClock
from grassroots.settings import Settings
from grassroots.workflow.escalation import escalate_overdue

from . import flows, lookup
from .client import Api
from .operations import ACCEPT_CASE, CASE, CLAIM_CASE, ESCALATE_CASE, WHISTLE_CASE

QUEUE = """
query Queue($region: ID!) {
  cases(first: 50, filter: {regionId: $region, statuses: [ACCEPTED]}) {
    edges { node { id level queueRegion { nameZh } } }
  }
}
"""


async def _whistled_case(api: Api) -> str:
    case_id = await flows.report(api)
    flows.ok(
        (await api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case_id}}))["acceptCase"]
    )
    company = await lookup.department(api, "yanji-heating-co")
    variables = {"input": {"caseId": case_id, "departmentIds": [company]}}
    flows.ok((await api.as_user("community1", WHISTLE_CASE, variables))["whistleCase"])
    return case_id


async def test_unclaimed_whistle_moves_to_the_street_queue(
    api: Api, app: Starlette, clock: FrozenClock
) -> None:
    # Given a pipe leak whistled to the heating company, which must claim within 60 minutes
    case_id = await _whistled_case(api)
    rt = app.state.rt

    # When 59 minutes pass, nothing escalates
    clock.advance(minutes=59)
    assert await escalate_overdue(rt) == 0
    assert (await api.as_user("community1", CASE, {"id": case_id}))["node"]["overdue"] is False

    # When the deadline passes unclaimed
    clock.advance(minutes=2)
    assert (await api.as_user("community1", CASE, {"id": case_id}))["node"]["overdue"] is True
    assert await escalate_overdue(rt) == 1
    assert await escalate_overdue(rt) == 0  # and only once

    # Then the case waits in the street's queue, with the reason on its timeline
    case = (await api.as_user("street1", CASE, {"id": case_id}))["node"]
    assert case["status"] == "ACCEPTED"
    assert case["level"] == "STREET"
    assert case["queueRegion"]["nameZh"] == "建工街道"
    escalated = case["timeline"][-1]
    assert escalated["kind"] == "ESCALATED"
    assert "No department reported for duty" in escalated["note"]
    assert escalated["data"]["toLevel"] == "STREET"
    assert case["whistles"][0]["status"] == "ESCALATED"
    assert case["whistles"][0]["responses"][0]["claimedAt"] is None
    street = await lookup.region(api, "STREET", "建工街道")
    queue = (await api.as_user("street1", QUEUE, {"region": street["id"]}))["cases"]["edges"]
    assert case_id in [e["node"]["id"] for e in queue]

    # and the late department can no longer claim it; the community no longer dispatches it
    late = await api.as_user("heating_co1", CLAIM_CASE, {"input": {"caseId": case_id}})
    assert [e["code"] for e in late["claimCase"]["userErrors"]] == ["INVALID_TRANSITION"]
    office = await lookup.department(api, "yanji-heating-office")
    again = {"input": {"caseId": case_id, "departmentIds": [office]}}
    refused = (await api.as_user("community1", WHISTLE_CASE, again))["whistleCase"]
    assert [e["code"] for e in refused["userErrors"]] == ["PERMISSION_DENIED"]
    # but the street whistles again, at its own level
    redispatched = (await api.as_user("street1", WHISTLE_CASE, again))["whistleCase"]
    assert redispatched["userErrors"] == []
    assert redispatched["case"]["status"] == "DISPATCHED"

    # and its rates count the missed answer against the heating company
    rates = """query R($id: ID!) { node(id: $id) { ... on Department {
        rates { responseRate responsesDue } } } }"""
    company = await lookup.department(api, "yanji-heating-co")
    got = (await api.as_user("admin", rates, {"id": company}))["node"]["rates"]
    assert got == {"responseRate": 0.0, "responsesDue": 1}


async def test_staff_escalate_by_hand_with_a_reason(api: Api) -> None:
    case_id = await flows.case_in(api, "ACCEPTED")
    variables = {"input": {"caseId": case_id, "reason": "관할 밖 超出社区职权"}}
    data = (await api.as_user("community1", ESCALATE_CASE, variables))["escalateCase"]
    assert data["userErrors"] == []
    assert data["case"]["level"] == "STREET"
    case = (await api.as_user("street1", CASE, {"id": case_id}))["node"]
    assert case["timeline"][-1]["note"] == "관할 밖 超出社区职权"


async def test_the_scheduler_started_with_the_server_escalates_and_survives_restarts(
    settings: Settings, clock: FrozenClock
) -> None:
    import httpx

    # Given a whistled case in a server whose scheduler runs every 50 ms
    fast = dataclasses.replace(settings, scheduler_interval_seconds=0.05)
    first = create_app(fast, clock=clock, run_scheduler=True)
    async with first.router.lifespan_context(first):
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            case_id = await _whistled_case(Api(http))

    # When the server is down while the deadline passes, and comes back
    clock.advance(hours=2)
    second = create_app(fast, clock=clock, run_scheduler=True)
    async with second.router.lifespan_context(second):
        transport = httpx.ASGITransport(app=second)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            api = Api(http)
            # Then it catches up by itself
            for _ in range(100):
                case = (await api.as_user("street1", CASE, {"id": case_id}))["node"]
                if case and case["level"] == "STREET":
                    break
                await asyncio.sleep(0.05)
            assert case["level"] == "STREET"
            assert case["timeline"][-1]["kind"] == "ESCALATED"
            assert second.state.scheduler.runs >= 1
