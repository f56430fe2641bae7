"""Tortoise models, one module per domain."""

from .account import Account, ApiToken, RoleBinding
from .case import Case, CaseDepartment, CaseEvent, CaseRating, Photo
from .category import Category
from .department import Department
from .event import Counter, Event
from .lists import ListItem, ListItemCase, ListItemPhoto
from .party import PartyMember, PartyOrganisation
from .region import Region
from .stats import CategoryDay, DepartmentDay, RegionDay, SourceDay, StatusCount
from .tasks import Assignment, ServiceTask
from .whistle import Whistle, WhistleResponse

__all__ = [
    "Account",
    "ApiToken",
    "Assignment",
    "Case",
    "CaseDepartment",
    "CaseEvent",
    "CaseRating",
    "Category",
    "CategoryDay",
    "Counter",
    "Department",
    "DepartmentDay",
    "Event",
    "ListItem",
    "ListItemCase",
    "ListItemPhoto",
    "PartyMember",
    "PartyOrganisation",
    "Photo",
    "Region",
    "RegionDay",
    "RoleBinding",
    "ServiceTask",
    "SourceDay",
    "StatusCount",
    "Whistle",
    "WhistleResponse",
]
