"""The heating-leak story of DESIGN.md, end to end over HTTP on a real SQLite file."""

from __future__ import annotations

from urllib.parse import urlparse

from grassroots.clock import FrozenClock

from . import lookup
from .client import Api
from .images import jpeg
from .operations import (
    ACCEPT_CASE,
    ARRIVE_ON_SITE,
    CASE,
    CLAIM_CASE,
    EVENTS,
    RATE_CASE,
    REPORT_CASE,
    RESOLVE_CASE,
    WHISTLE_CASE,
)

DEPARTMENT_RATES = """
query Rates($id: ID!) {
  node(id: $id) { ... on Department { rates { responseRate resolutionRate satisfactionRate
    responsesDue meanMinutesToClaim } } }
}
"""


async def test_heating_leak_from_report_to_tick_off(api: Api, clock: FrozenClock) -> None:
    # Given a resident of 延青社区 with a leaking heating pipe
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    grid = (await lookup.grids_of(api, yanqing["id"]))[0]
    pipe_leak = await lookup.category(api, "heating.pipe-leak")
    office = await lookup.department(api, "yanji-heating-office")
    company = await lookup.department(api, "yanji-heating-co")
    since = (await api.as_user("community1", EVENTS, {"regionId": yanqing["id"], "since": 0}))[
        "events"
    ]
    first_seq = since[-1]["seq"] if since else 0

    # When resident1 reports it with a photo
    report = {
        "title": "난방관 누수 暖气管道漏水",
        "description": "3동 2단원 지하실 난방관이 새고 난방이 끊겼습니다. "
        "3栋2单元地下室暖气管道漏水。",
        "categoryId": pipe_leak,
        "regionId": grid["id"],
        "address": "延青社区 教师公寓 3栋",
        "latitude": 42.9051,
        "longitude": 129.5102,
        "photos": [None],
    }
    response = await api.upload(
        "resident1",
        REPORT_CASE,
        {"input": report},
        {"variables.input.photos.0": ("leak.jpg", jpeg(), "image/jpeg")},
    )
    body = response.json()
    assert "errors" not in body, body
    reported = body["data"]["reportCase"]
    assert reported["userErrors"] == []
    case = reported["case"]
    case_id = case["id"]
    assert case["status"] == "REPORTED"
    assert case["number"].startswith("YJ-2026-")
    assert case["queueRegion"]["nameZh"] == "延青社区"
    assert case["reporter"]["masked"] is False
    assert [p["kind"] for p in case["photos"]] == ["REPORT"]

    # the photo and its thumbnail are served, with safe headers
    photo = await api.http.get(case["photos"][0]["url"])
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    thumb = await api.http.get(case["photos"][0]["thumbnailUrl"])
    assert thumb.status_code == 200
    # a tampered signature is refused
    tampered = urlparse(case["photos"][0]["url"])
    assert (await api.http.get(f"{tampered.path}?exp=9999999999&sig=0")).status_code == 404

    # And community1 accepts it and blows the whistle on the heating office and company
    accepted = (await api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case_id}}))[
        "acceptCase"
    ]
    assert accepted["userErrors"] == []
    assert accepted["case"]["status"] == "ACCEPTED"
    whistle = (
        await api.as_user(
            "community1",
            WHISTLE_CASE,
            {
                "input": {
                    "caseId": case_id,
                    "departmentIds": [office, company],
                    "leadDepartmentId": company,
                    "note": "즉시 출동 바랍니다 请立即到场",
                }
            },
        )
    )["whistleCase"]
    assert whistle["userErrors"] == []
    assert whistle["case"]["status"] == "DISPATCHED"
    # the pipe-leak SLA: report for duty within 60 minutes
    assert whistle["case"]["claimDueAt"].startswith("2026-11-02T02:00:00")

    # And heating_co1 claims it within the hour
    clock.advance(minutes=25)
    claim = (await api.as_user("heating_co1", CLAIM_CASE, {"input": {"caseId": case_id}}))[
        "claimCase"
    ]
    assert claim["userErrors"] == []
    assert claim["role"] == "LEAD"
    assert claim["onTime"] is True
    assert claim["case"]["status"] == "IN_PROGRESS"
    assert claim["case"]["leadDepartment"]["code"] == "yanji-heating-co"

    # the heating office reports for duty too, as assisting
    clock.advance(minutes=5)
    office_claim = (
        await api.as_user("heating_office1", CLAIM_CASE, {"input": {"caseId": case_id}})
    )["claimCase"]
    assert office_claim["userErrors"] == []
    assert office_claim["role"] == "ASSIST"

    # And the company arrives on site and resolves it with a photo
    clock.advance(minutes=20)
    arrived = (
        await api.as_user(
            "heating_co1",
            ARRIVE_ON_SITE,
            {"input": {"caseId": case_id, "latitude": 42.9051, "longitude": 129.5102}},
        )
    )["arriveOnSite"]
    assert arrived["userErrors"] == []
    assert arrived["case"]["arrivedAt"] is not None
    clock.advance(hours=6)
    response = await api.upload(
        "heating_co1",
        RESOLVE_CASE,
        {"input": {"caseId": case_id, "note": "배관 교체 완료 已更换管道", "photos": [None]}},
        {"variables.input.photos.0": ("fixed.jpg", jpeg(colour=(40, 200, 40)), "image/jpeg")},
    )
    resolved = response.json()["data"]["resolveCase"]
    assert resolved["userErrors"] == []
    assert resolved["case"]["status"] == "RESOLVED"
    assert sorted(p["kind"] for p in resolved["case"]["photos"]) == ["REPORT", "RESOLUTION"]

    # And resident1 is satisfied
    clock.advance(hours=2)
    rated = (
        await api.as_user(
            "resident1",
            RATE_CASE,
            {"input": {"caseId": case_id, "satisfaction": "SATISFIED", "comment": "감사합니다"}},
        )
    )["rateCase"]
    assert rated["userErrors"] == []

    # Then the case is ticked off, and the timeline holds every step in order
    final = (await api.as_user("community1", CASE, {"id": case_id}))["node"]
    assert final["status"] == "CLOSED"
    assert final["satisfaction"] == "SATISFIED"
    assert final["closedAt"] is not None
    assert [step["kind"] for step in final["timeline"]] == [
        "REPORTED",
        "ACCEPTED",
        "WHISTLED",
        "CLAIMED",
        "CLAIMED",
        "ARRIVED",
        "RESOLVED",
        "RATED",
    ]
    assert [step["statusAfter"] for step in final["timeline"]] == [
        "REPORTED",
        "ACCEPTED",
        "DISPATCHED",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "RESOLVED",
        "CLOSED",
    ]
    roles = {d["department"]["code"]: d["role"] for d in final["departments"]}
    assert roles == {"yanji-heating-co": "LEAD", "yanji-heating-office": "ASSIST"}

    # and the event log holds the same steps, numbered in order
    events = (
        await api.as_user("community1", EVENTS, {"regionId": yanqing["id"], "since": first_seq})
    )["events"]
    mine = [e for e in events if e["payload"]["caseId"] == int(case_id_db(case_id))]
    assert [e["kind"] for e in mine] == [
        "case.reported",
        "case.accepted",
        "case.whistled",
        "case.claimed",
        "case.claimed",
        "case.arrived",
        "case.resolved",
        "case.rated",
    ]
    seqs = [e["seq"] for e in mine]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    assert mine[-1]["payload"]["status"] == "CLOSED"

    # and the heating company's rates count a response and a resolution in time
    rates = (await api.as_user("admin", DEPARTMENT_RATES, {"id": company}))["node"]["rates"]
    assert rates["responseRate"] == 1.0
    assert rates["resolutionRate"] == 1.0
    assert rates["satisfactionRate"] == 1.0
    assert rates["meanMinutesToClaim"] == 25.0


def case_id_db(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":", 1)[1]
