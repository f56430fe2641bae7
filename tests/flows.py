"""Bringing a fresh case to a given status through the API, as the demo's people would."""

from __future__ import annotations

from typing import Any

from . import lookup
from .client import Api
from .operations import (
    ACCEPT_CASE,
    CLAIM_CASE,
    RATE_CASE,
    REPORT_CASE,
    RESOLVE_CASE,
    WHISTLE_CASE,
)

ORDER = ["REPORTED", "ACCEPTED", "DISPATCHED", "IN_PROGRESS", "RESOLVED", "CLOSED"]


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def report_payload(
    api: Api,
    *,
    title: str = "가로등 고장 路灯不亮",
    user: str = "resident1",
    community: str = "延青社区",
) -> dict[str, Any]:
    """`user` reports a pipe leak in the first grid of `community`: the reportCase payload,
    userErrors and all."""
    place = await lookup.region(api, "COMMUNITY", community)
    grid = (await lookup.grids_of(api, place["id"]))[0]
    pipe_leak = await lookup.category(api, "heating.pipe-leak")
    data = await api.as_user(
        user,
        REPORT_CASE,
        {
            "input": {
                "title": title,
                "description": "확인 부탁드립니다 请核实处理",
                "categoryId": pipe_leak,
                "regionId": grid["id"],
            }
        },
    )
    return dict(data["reportCase"])


async def report(
    api: Api,
    *,
    title: str = "가로등 고장 路灯不亮",
    user: str = "resident1",
    community: str = "延青社区",
) -> str:
    payload = await report_payload(api, title=title, user=user, community=community)
    return str(ok(payload)["case"]["id"])


CREATE_API_TOKEN = """
mutation Token($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token userErrors { field code message } }
}
"""


async def hotline_token(api: Api, name: str = "hotline-test") -> str:
    """An INTEGRATION token for the whole city that may push cases in, made by admin."""
    city = await lookup.region(api, "CITY", "延吉市")
    variables = {
        "input": {
            "name": name,
            "role": "INTEGRATION",
            "regionId": city["id"],
            "scopes": ["cases:intake"],
        }
    }
    data = await api.as_user("admin", CREATE_API_TOKEN, variables)
    return str(ok(data["createApiToken"])["token"])


async def case_in(api: Api, status: str) -> str:
    """A new case reported by resident1, moved along the happy path to `status`."""
    case_id = await report(api)
    steps = ORDER[: ORDER.index(status) + 1]
    if "ACCEPTED" in steps:
        ok(
            (await api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case_id}}))[
                "acceptCase"
            ]
        )
    if "DISPATCHED" in steps:
        company = await lookup.department(api, "yanji-heating-co")
        office = await lookup.department(api, "yanji-heating-office")
        variables = {
            "input": {
                "caseId": case_id,
                "departmentIds": [company, office],
                "leadDepartmentId": company,
            }
        }
        ok((await api.as_user("community1", WHISTLE_CASE, variables))["whistleCase"])
    if "IN_PROGRESS" in steps:
        ok(
            (await api.as_user("heating_co1", CLAIM_CASE, {"input": {"caseId": case_id}}))[
                "claimCase"
            ]
        )
    if "RESOLVED" in steps:
        variables = {"input": {"caseId": case_id, "note": "수리 완료 已修复"}}
        ok((await api.as_user("heating_co1", RESOLVE_CASE, variables))["resolveCase"])
    if "CLOSED" in steps:
        variables = {"input": {"caseId": case_id, "satisfaction": "BASICALLY_SATISFIED"}}
        ok((await api.as_user("resident1", RATE_CASE, variables))["rateCase"])
    return case_id
