"""Who may see which cases, and whose personal data."""

from __future__ import annotations

import re

from tortoise.expressions import Q, Subquery

from ..models import Case, WhistleResponse
from ..models.enums import Role
from .actor import CASES_READ, REGION_READER_ROLES, STAFF_ROLES, Actor

# Roles that may see a reporter's name and phone for cases in their scope.
PERSONAL_DATA_ROLES = frozenset({*STAFF_ROLES, Role.GRID_WORKER})


def case_filter(actor: Actor | None) -> Q | None:
    """A filter of the cases `actor` may see; None means all of them."""
    if actor is None:
        return Q(id=-1)
    if actor.is_admin:
        return None
    clauses = [Q(reporter_id=actor.account_id)]
    for path in actor.region_paths(actor.reading(REGION_READER_ROLES, CASES_READ)):
        clauses.append(Q(region_path__startswith=path))
    if actor.department_ids:
        # A department sees every case it was ever summoned to, answered or not.
        summoned = WhistleResponse.filter(department_id__in=list(actor.department_ids))
        clauses.append(Q(id__in=Subquery(summoned.values("whistle__case_id"))))
    return Q(*clauses, join_type="OR")


def can_see_case(actor: Actor | None, case: Case, department_ids: set[int]) -> bool:
    """`department_ids`: the departments ever summoned to the case."""
    if actor is None:
        return False
    if actor.is_admin or case.reporter_id == actor.account_id:
        return True
    if actor.covers(case.region_path, actor.reading(REGION_READER_ROLES, CASES_READ)):
        return True
    return bool(actor.department_ids & department_ids)


def can_see_personal_data(actor: Actor | None, case: Case) -> bool:
    if actor is None:
        return False
    if actor.is_admin or case.reporter_id == actor.account_id:
        return True
    if actor.covers(case.region_path, PERSONAL_DATA_ROLES):
        return True
    # The lead department must be able to call the reporter back.
    return case.lead_department_id is not None and case.lead_department_id in actor.department_ids


def mask_name(name: str | None) -> str | None:
    """Keep the family name of each written form: "김민수 金民洙" → "김** 金**"."""
    if not name:
        return name
    return " ".join(part[0] + "*" * max(1, len(part) - 1) for part in name.split())


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"
