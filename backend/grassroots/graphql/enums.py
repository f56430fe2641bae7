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
):
    strawberry.enum(_enum)
strawberry.enum(Source, description="Where a case came from")
strawberry.enum(ErrorCode, description="Why a mutation was refused")

__all__ = [
    "CaseEventKind",
    "CaseOrder",
    "CaseStatus",
    "DepartmentKind",
    "DepartmentRole",
    "ErrorCode",
    "PhotoKind",
    "RegionLevel",
    "Role",
    "Satisfaction",
    "Source",
    "Urgency",
    "WhistleStatus",
]
