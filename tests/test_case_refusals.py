"""Every illegal transition and every role or scope refusal is a userError and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from . import flows, lookup
from .client import Api
from .operations import (
    ACCEPT_CASE,
    ARRIVE_ON_SITE,
    CASE,
    CLAIM_CASE,
    CLOSE_CASE,
    COMMENT_ON_CASE,
    ESCALATE_CASE,
    MERGE_CASE,
    RATE_CASE,
    REJECT_CASE,
    REOPEN_CASE,
    RESOLVE_CASE,
    WHISTLE_CASE,
)

SNAPSHOT = """
query Snapshot($id: ID!) {
  node(id: $id) { ... on Case { status level updatedAt timeline { kind } departments { role } } }
  cases(first: 1) { totalCount }
}
"""
LAST_EVENT = """
query Last($regionId: ID!) { events(regionId: $regionId, since: 0, first: 100) { seq } }
"""

REASON = {"reason": "테스트 사유 测试原因"}

# (mutation, payload field, extra input, status the case is in, who tries, expected code)
CASES: list[tuple[str, str, dict[str, Any], str, str | None, str]] = [
    # illegal transitions, tried by someone who could otherwise act
    (ACCEPT_CASE, "acceptCase", {}, "ACCEPTED", "community1", "INVALID_TRANSITION"),
    (ACCEPT_CASE, "acceptCase", {}, "CLOSED", "community1", "INVALID_TRANSITION"),
    (REJECT_CASE, "rejectCase", REASON, "DISPATCHED", "community1", "INVALID_TRANSITION"),
    (
        MERGE_CASE,
        "mergeCase",
        {"originalCaseId": "ORIGINAL"},
        "IN_PROGRESS",
        "community1",
        "INVALID_TRANSITION",
    ),
    (
        WHISTLE_CASE,
        "whistleCase",
        {"departmentIds": ["COMPANY"]},
        "REPORTED",
        "community1",
        "INVALID_TRANSITION",
    ),
    (
        WHISTLE_CASE,
        "whistleCase",
        {"departmentIds": ["COMPANY"]},
        "IN_PROGRESS",
        "community1",
        "INVALID_TRANSITION",
    ),
    (
        RESOLVE_CASE,
        "resolveCase",
        {"note": "done"},
        "RESOLVED",
        "heating_co1",
        "INVALID_TRANSITION",
    ),
    (ARRIVE_ON_SITE, "arriveOnSite", {}, "RESOLVED", "heating_co1", "INVALID_TRANSITION"),
    (
        RATE_CASE,
        "rateCase",
        {"satisfaction": "SATISFIED"},
        "IN_PROGRESS",
        "resident1",
        "INVALID_TRANSITION",
    ),
    (
        RATE_CASE,
        "rateCase",
        {"satisfaction": "SATISFIED"},
        "CLOSED",
        "resident1",
        "INVALID_TRANSITION",
    ),
    (REOPEN_CASE, "reopenCase", REASON, "IN_PROGRESS", "resident1", "INVALID_TRANSITION"),
    (CLOSE_CASE, "closeCase", REASON, "IN_PROGRESS", "community1", "INVALID_TRANSITION"),
    (ESCALATE_CASE, "escalateCase", REASON, "IN_PROGRESS", "community1", "INVALID_TRANSITION"),
    (CLAIM_CASE, "claimCase", {}, "RESOLVED", "heating_co1", "INVALID_TRANSITION"),
    # the reporter waits for the rating window before staff close it
    (CLOSE_CASE, "closeCase", REASON, "RESOLVED", "community1", "TOO_EARLY"),
    # roles that may see the case but not do this
    (ACCEPT_CASE, "acceptCase", {}, "REPORTED", "resident1", "PERMISSION_DENIED"),
    (ACCEPT_CASE, "acceptCase", {}, "REPORTED", "grid1", "PERMISSION_DENIED"),
    (ACCEPT_CASE, "acceptCase", {}, "REPORTED", "leader1", "PERMISSION_DENIED"),
    (REJECT_CASE, "rejectCase", REASON, "REPORTED", "head1", "PERMISSION_DENIED"),
    (
        WHISTLE_CASE,
        "whistleCase",
        {"departmentIds": ["COMPANY"]},
        "ACCEPTED",
        "resident1",
        "PERMISSION_DENIED",
    ),
    (ESCALATE_CASE, "escalateCase", REASON, "ACCEPTED", "resident1", "PERMISSION_DENIED"),
    (
        RESOLVE_CASE,
        "resolveCase",
        {"note": "done"},
        "IN_PROGRESS",
        "heating_office1",
        "PERMISSION_DENIED",
    ),
    (
        RESOLVE_CASE,
        "resolveCase",
        {"note": "done"},
        "IN_PROGRESS",
        "community1",
        "PERMISSION_DENIED",
    ),
    (ARRIVE_ON_SITE, "arriveOnSite", {}, "DISPATCHED", "heating_co1", "PERMISSION_DENIED"),
    (
        RATE_CASE,
        "rateCase",
        {"satisfaction": "SATISFIED"},
        "RESOLVED",
        "community1",
        "PERMISSION_DENIED",
    ),
    (
        RATE_CASE,
        "rateCase",
        {"satisfaction": "SATISFIED"},
        "RESOLVED",
        "heating_co1",
        "PERMISSION_DENIED",
    ),
    (CLOSE_CASE, "closeCase", REASON, "RESOLVED", "resident1", "PERMISSION_DENIED"),
    (CLOSE_CASE, "closeCase", REASON, "RESOLVED", "heating_co1", "PERMISSION_DENIED"),
    (REOPEN_CASE, "reopenCase", REASON, "CLOSED", "heating_co1", "PERMISSION_DENIED"),
    (
        COMMENT_ON_CASE,
        "commentOnCase",
        {"note": "hello"},
        "REPORTED",
        "screen1",
        "PERMISSION_DENIED",
    ),
    (CLAIM_CASE, "claimCase", {}, "DISPATCHED", "resident1", "PERMISSION_DENIED"),
    # out of scope: the case is not even visible
    (ACCEPT_CASE, "acceptCase", {}, "REPORTED", "heating_co1", "NOT_FOUND"),
    (ACCEPT_CASE, "acceptCase", {}, "REPORTED", "urban1", "NOT_FOUND"),
    (CLAIM_CASE, "claimCase", {}, "DISPATCHED", "urban1", "NOT_FOUND"),
    (COMMENT_ON_CASE, "commentOnCase", {"note": "hello"}, "REPORTED", "resident3", "NOT_FOUND"),
    # the once-claimed department cannot claim twice
    (CLAIM_CASE, "claimCase", {}, "IN_PROGRESS", "heating_co1", "ALREADY_CLAIMED"),
    # nobody signed in
    (ACCEPT_CASE, "acceptCase", {}, "REPORTED", None, "UNAUTHENTICATED"),
]


async def _snapshot(api: Api, case_id: str, region_id: str) -> tuple[Any, Any]:
    state = await api.as_user("admin", SNAPSHOT, {"id": case_id})
    events = (await api.as_user("admin", LAST_EVENT, {"regionId": region_id}))["events"]
    return state, [e["seq"] for e in events]


@pytest.mark.parametrize(
    ("mutation", "field", "extra", "status", "user", "code"),
    CASES,
    ids=[f"{c[1]}-{c[3]}-{c[4]}-{c[5]}" for c in CASES],
)
async def test_refused_action_changes_nothing(
    api: Api,
    mutation: str,
    field: str,
    extra: dict[str, Any],
    status: str,
    user: str | None,
    code: str,
) -> None:
    # Given a case in `status`
    case_id = await flows.case_in(api, status)
    company = await lookup.department(api, "yanji-heating-co")
    substitutions = {"COMPANY": company}
    if "originalCaseId" in extra:
        substitutions["ORIGINAL"] = await flows.report(api, title="원본 原始")
    extra = {
        k: [substitutions.get(x, x) for x in v] if isinstance(v, list) else substitutions.get(v, v)
        for k, v in extra.items()
    }
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    before = await _snapshot(api, case_id, yanqing["id"])

    # When `user` tries the action
    variables = {"input": {"caseId": case_id, **extra}}
    if user is None:
        data = await api.run(mutation, variables)
    else:
        data = await api.as_user(user, mutation, variables)

    # Then it is refused with a clear userError, and nothing changed
    payload = data[field]
    assert payload["case"] is None
    assert [e["code"] for e in payload["userErrors"]] == [code]
    assert payload["userErrors"][0]["message"]
    assert await _snapshot(api, case_id, yanqing["id"]) == before


async def test_the_reporter_sees_the_refused_case_unchanged(api: Api) -> None:
    case_id = await flows.case_in(api, "REPORTED")
    data = await api.as_user("resident1", CASE, {"id": case_id})
    assert data["node"]["status"] == "REPORTED"
    assert [s["kind"] for s in data["node"]["timeline"]] == ["REPORTED"]
