"""The other roads through the workflow: unsatisfied ratings, closing, merging, rejecting,
the community handling a case itself, and comments."""

from __future__ import annotations

from grassroots.clock import FrozenClock

from . import flows
from .client import Api
from .operations import (
    CASE,
    CLAIM_CASE,
    CLOSE_CASE,
    COMMENT_ON_CASE,
    MERGE_CASE,
    RATE_CASE,
    REJECT_CASE,
    REOPEN_CASE,
    RESOLVE_CASE,
)

RATES = """query R($id: ID!) { node(id: $id) { ... on Department {
  rates { satisfactionRate ratings } } } }"""


async def test_unsatisfied_rating_reopens_with_the_same_departments_and_counts(
    api: Api,
) -> None:
    # Given a resolved case led by the heating company
    case_id = await flows.case_in(api, "RESOLVED")

    # When the reporter is not satisfied
    variables = {
        "input": {"caseId": case_id, "satisfaction": "UNSATISFIED", "comment": "아직 추워요"}
    }
    rated = (await api.as_user("resident1", RATE_CASE, variables))["rateCase"]

    # Then it is back in progress with the same lead, and the rating counts against it
    assert rated["userErrors"] == []
    case = rated["case"]
    assert case["status"] == "IN_PROGRESS"
    assert case["leadDepartment"]["code"] == "yanji-heating-co"
    assert case["resolvedAt"] is None
    assert {d["department"]["code"] for d in case["departments"]} == {
        "yanji-heating-co",
        "yanji-heating-office",
    }
    company = next(d for d in case["departments"] if d["role"] == "LEAD")
    assert company["department"]["code"] == "yanji-heating-co"
    from . import lookup

    dept = await lookup.department(api, "yanji-heating-co")
    rates = (await api.as_user("admin", RATES, {"id": dept}))["node"]["rates"]
    assert rates == {"satisfactionRate": 0.0, "ratings": 1}

    # and when it is resolved again and rated satisfied, it closes, and both ratings count
    resolve = {"input": {"caseId": case_id, "note": "다시 수리 再次维修"}}
    flows.ok((await api.as_user("heating_co1", RESOLVE_CASE, resolve))["resolveCase"])
    again = {"input": {"caseId": case_id, "satisfaction": "SATISFIED"}}
    closed = flows.ok((await api.as_user("resident1", RATE_CASE, again))["rateCase"])
    assert closed["case"]["status"] == "CLOSED"
    rates = (await api.as_user("admin", RATES, {"id": dept}))["node"]["rates"]
    assert rates == {"satisfactionRate": 0.5, "ratings": 2}


async def test_staff_close_a_resolved_case_only_after_the_rating_window(
    api: Api, clock: FrozenClock
) -> None:
    case_id = await flows.case_in(api, "RESOLVED")
    variables = {"input": {"caseId": case_id, "reason": "주민 무응답 居民未回复"}}
    early = (await api.as_user("community1", CLOSE_CASE, variables))["closeCase"]
    assert [e["code"] for e in early["userErrors"]] == ["TOO_EARLY"]

    clock.advance(days=3, minutes=1)
    closed = (await api.as_user("community1", CLOSE_CASE, variables))["closeCase"]
    assert closed["userErrors"] == []
    assert closed["case"]["status"] == "CLOSED"


async def test_a_closed_case_can_be_reopened_with_a_reason(api: Api) -> None:
    case_id = await flows.case_in(api, "CLOSED")
    variables = {"input": {"caseId": case_id, "reason": "재발 又漏了"}}
    reopened = (await api.as_user("resident1", REOPEN_CASE, variables))["reopenCase"]
    assert reopened["userErrors"] == []
    assert reopened["case"]["status"] == "IN_PROGRESS"
    missing = {"input": {"caseId": case_id, "reason": "  "}}
    case_id2 = await flows.case_in(api, "CLOSED")
    missing["input"]["caseId"] = case_id2
    refused = (await api.as_user("resident1", REOPEN_CASE, missing))["reopenCase"]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("reason", "INVALID_INPUT")]


async def test_a_duplicate_is_merged_into_its_original(api: Api) -> None:
    original = await flows.case_in(api, "ACCEPTED")
    duplicate = await flows.report(api, title="같은 누수 同一漏水")
    variables = {"input": {"caseId": duplicate, "originalCaseId": original}}
    merged = (await api.as_user("community1", MERGE_CASE, variables))["mergeCase"]
    assert merged["userErrors"] == []
    assert merged["case"]["status"] == "MERGED"
    case = (await api.as_user("community1", CASE, {"id": duplicate}))["node"]
    assert case["timeline"][-1]["kind"] == "MERGED"
    query = "query($id: ID!) { node(id: $id) { ... on Case { duplicateOf { id } } } }"
    linked = (await api.as_user("community1", query, {"id": duplicate}))["node"]
    assert linked["duplicateOf"]["id"] == original
    itself = {"input": {"caseId": original, "originalCaseId": original}}
    refused = (await api.as_user("community1", MERGE_CASE, itself))["mergeCase"]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("originalCaseId", "INVALID_INPUT")
    ]


async def test_a_rejected_case_keeps_its_reason(api: Api) -> None:
    case_id = await flows.report(api)
    variables = {"input": {"caseId": case_id, "reason": "관할 외 非本辖区"}}
    rejected = (await api.as_user("community1", REJECT_CASE, variables))["rejectCase"]
    assert rejected["case"]["status"] == "REJECTED"
    case = (await api.as_user("resident1", CASE, {"id": case_id}))["node"]
    assert case["timeline"][-1]["note"] == "관할 외 非本辖区"


async def test_the_community_handles_a_case_itself(api: Api) -> None:
    # Given an accepted case
    case_id = await flows.case_in(api, "ACCEPTED")
    # When community staff claim it instead of whistling
    claimed = (await api.as_user("community1", CLAIM_CASE, {"input": {"caseId": case_id}}))[
        "claimCase"
    ]
    # Then they handle it, and resolve it themselves
    assert claimed["userErrors"] == []
    assert claimed["role"] is None
    assert claimed["case"]["status"] == "IN_PROGRESS"
    assert claimed["case"]["selfHandled"] is True
    variables = {"input": {"caseId": case_id, "note": "사회구역에서 처리 社区自行处理"}}
    resolved = (await api.as_user("community1", RESOLVE_CASE, variables))["resolveCase"]
    assert resolved["userErrors"] == []
    assert resolved["case"]["status"] == "RESOLVED"
    assert [s["kind"] for s in resolved["case"]["timeline"]][-2:] == ["SELF_HANDLED", "RESOLVED"]


async def test_comments_go_on_the_timeline_whatever_the_status(api: Api) -> None:
    case_id = await flows.case_in(api, "CLOSED")
    variables = {"input": {"caseId": case_id, "note": "감사 인사 感谢"}}
    flows.ok((await api.as_user("heating_co1", COMMENT_ON_CASE, variables))["commentOnCase"])
    case = (await api.as_user("resident1", CASE, {"id": case_id}))["node"]
    assert case["timeline"][-1]["kind"] == "COMMENTED"
    assert case["timeline"][-1]["statusAfter"] == "CLOSED"
    assert case["timeline"][-1]["department"] is None
