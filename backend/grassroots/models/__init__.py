"""Tortoise models, one module per domain."""

from .account import Account, ApiToken, RoleBinding
from .calendar import CalendarDay
from .case import Case, CaseDepartment, CaseEvent, CaseRating, Photo
from .category import Category
from .department import Department
from .event import Counter, Event
from .lease import Lease
from .lists import ListItem, ListItemCase, ListItemPhoto
from .party import PartyMember, PartyOrganisation
from .region import Region
from .stats import CategoryDay, DepartmentDay, RegionDay, SourceDay, StatusCount
from .tasks import Assignment, ServiceTask
from .webhook import WebhookDelivery, WebhookSubscription
from .whistle import Whistle, WhistleResponse

__all__ = [
    "Account",
    "ApiToken",
    "Assignment",
    "CalendarDay",
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
    "Lease",
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
    "WebhookDelivery",
    "WebhookSubscription",
    "Whistle",
    "WhistleResponse",
]
