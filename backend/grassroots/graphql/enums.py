"""The domain enums, registered with GraphQL under their own names.

strawberry.enum annotates the class in place, so the API and the domain share one class.
"""

import strawberry

from ..models.enums import (
    CaseEventKind,
    CaseStatus,
    DepartmentKind,
    DepartmentRole,
    PhotoKind,
    RegionLevel,
    Role,
    Satisfaction,
    Source,
    Urgency,
    WhistleStatus,
)
from ..models.lists import ListItemKind, ListItemStatus
from ..models.party import OrganisationKind, RegistrationStatus
from ..models.tasks import AssignmentStatus, TaskStatus
from ..workflow.case_search import CaseOrder
from ..workflow.errors import ErrorCode

for _enum in (
    CaseEventKind,
    CaseStatus,
    DepartmentKind,
    DepartmentRole,
    PhotoKind,
    RegionLevel,
    Role,
    Satisfaction,
    Urgency,
    WhistleStatus,
    CaseOrder,
    OrganisationKind,
    RegistrationStatus,
    AssignmentStatus,
    TaskStatus,
    ListItemKind,
    ListItemStatus,
):
    strawberry.enum(_enum)
strawberry.enum(Source, description="Where a case came from")
strawberry.enum(ErrorCode, description="Why a mutation was refused")

__all__ = [
    "AssignmentStatus",
    "CaseEventKind",
    "CaseOrder",
    "CaseStatus",
    "DepartmentKind",
    "DepartmentRole",
    "ErrorCode",
    "ListItemKind",
    "ListItemStatus",
    "OrganisationKind",
    "PhotoKind",
    "RegionLevel",
    "RegistrationStatus",
    "Role",
    "Satisfaction",
    "Source",
    "TaskStatus",
    "Urgency",
    "WhistleStatus",
]
