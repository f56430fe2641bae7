"""Concurrent claims: exactly one department becomes lead, every other claim is told."""

from __future__ import annotations

import asyncio

from strawberry.relay import GlobalID

from grassroots.models import Account, Case, CaseDepartment, Department, Region, RoleBinding
from grassroots.models.enums import DepartmentKind, RegionLevel, Role
from grassroots.workflow.auth import hash_password

from . import flows
from .client import Api
from .conftest import START
from .operations import ACCEPT_CASE, CASE, CLAIM_CASE, WHISTLE_CASE

DEPARTMENTS = 10
CLAIMS_PER_DEPARTMENT = 5


async def _departments_with_staff(count: int) -> list[tuple[str, str]]:
    """Extra departments, each with one staff account: (global id, username)."""
    city = await Region.get(level=RegionLevel.CITY, name_zh="延吉市")
    password = hash_password("grassroots")
    made = []
    for i in range(count):
        department = await Department.create(
            code=f"race-{i}",
            kind=DepartmentKind.GOVERNMENT,
            name_ko=f"부서{i}",
            name_zh=f"部门{i}",
            name_en=f"Department {i}",
            region=city,
        )
        account = await Account.create(
            username=f"race{i}",
            display_name=f"Staff {i}",
            password_hash=password,
            created_at=START,
        )
        await RoleBinding.create(account=account, role=Role.DEPARTMENT_STAFF, department=department)
        made.append((str(GlobalID("Department", str(department.id))), account.username))
    return made


async def test_fifty_concurrent_claims_make_exactly_one_lead(api: Api) -> None:
    # Given a case whistled to ten departments, none of them designated lead
    case_id = await flows.report(api)
    flows.ok(
        (await api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case_id}}))["acceptCase"]
    )
    departments = await _departments_with_staff(DEPARTMENTS)
    whistle = {"input": {"caseId": case_id, "departmentIds": [d for d, _ in departments]}}
    flows.ok((await api.as_user("community1", WHISTLE_CASE, whistle))["whistleCase"])
    for _, username in departments:
        await api.login(username)

    # When fifty claims arrive at once, five from each department
    claims = [
        api.as_user(username, CLAIM_CASE, {"input": {"caseId": case_id}})
        for _ in range(CLAIMS_PER_DEPARTMENT)
        for _, username in departments
    ]
    results = [r["claimCase"] for r in await asyncio.gather(*claims)]

    # Then each department reported once, exactly one as lead, and the rest were told
    accepted = [r for r in results if not r["userErrors"]]
    refused = [r for r in results if r["userErrors"]]
    assert len(accepted) == DEPARTMENTS
    assert [r["role"] for r in accepted].count("LEAD") == 1
    assert [r["role"] for r in accepted].count("ASSIST") == DEPARTMENTS - 1
    assert {e["code"] for r in refused for e in r["userErrors"]} == {"ALREADY_CLAIMED"}
    assert len(refused) == DEPARTMENTS * (CLAIMS_PER_DEPARTMENT - 1)

    case = (await api.as_user("admin", CASE, {"id": case_id}))["node"]
    leads = [d for d in case["departments"] if d["role"] == "LEAD"]
    assert len(leads) == 1
    assert leads[0]["department"]["code"] == case["leadDepartment"]["code"]
    assert case["status"] == "IN_PROGRESS"
    assert [s["kind"] for s in case["timeline"]].count("CLAIMED") == DEPARTMENTS
    db_case = await Case.get(number=case["number"])
    assert await CaseDepartment.filter(case_id=db_case.id, role="LEAD").count() == 1
