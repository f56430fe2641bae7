"""Tortoise models, one module per domain."""

from .account import Account, ApiToken, RoleBinding
from .case import Case, CaseDepartment, CaseEvent, CaseRating, Photo
from .category import Category
from .department import Department
from .event import Counter, Event
from .region import Region
from .whistle import Whistle, WhistleResponse

__all__ = [
    "Account",
    "ApiToken",
    "Case",
    "CaseDepartment",
    "CaseEvent",
    "CaseRating",
    "Category",
    "Counter",
    "Department",
    "Event",
    "Photo",
    "Region",
    "RoleBinding",
    "Whistle",
    "WhistleResponse",
]
