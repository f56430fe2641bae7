"""What a region subtree's Party members and organisations did: the counts a prefecture
reports upward (members registered, tasks, hours, wishes, projects, difficulties, problems)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.functions import Sum

from ..models import Assignment, ListItem, PartyMember, PartyOrganisation, ServiceTask
from ..models.lists import ListItemKind
from ..models.party import RegistrationStatus
from ..models.tasks import AssignmentStatus
from .dashboard import Scope, register_section
from .lists import DONE_STATUSES
from .stats import case_total, in_subtree


@dataclass(frozen=True)
class PartyStats:
    members_registered: int
    members_pending: int
    organisations_registered: int
    tasks_posted: int
    sign_ups: int
    services_completed: int
    service_hours: float
    wishes_collected: int
    wishes_claimed: int
    wishes_fulfilled: int
    projects_established: int
    projects_completed: int
    difficulties_collected: int
    difficulties_solved: int
    cases_collected: int


async def party_stats(region_path: str) -> PartyStats:
    # Subtrees as path ranges: an index serves them, where LIKE 'prefix%' reads every row.
    members = PartyMember.filter(**in_subtree("community_path", region_path))
    items = ListItem.filter(**in_subtree("region_path", region_path))
    assignments = Assignment.filter(**in_subtree("task__region_path", region_path))
    completed = assignments.filter(status=AssignmentStatus.COMPLETED)
    totals = await completed.annotate(total=Sum("service_minutes")).values("total")
    total_minutes = sum(int(row["total"] or 0) for row in totals)

    wishes = items.filter(kind=ListItemKind.WISH)
    projects = items.filter(kind=ListItemKind.PROJECT)
    difficulties = items.filter(kind=ListItemKind.DIFFICULTY)
    return PartyStats(
        members_registered=await members.filter(registration=RegistrationStatus.CONFIRMED).count(),
        members_pending=await members.filter(registration=RegistrationStatus.PENDING).count(),
        organisations_registered=await PartyOrganisation.filter(
            **in_subtree("community_path", region_path),
            registration=RegistrationStatus.CONFIRMED,
        ).count(),
        tasks_posted=await ServiceTask.filter(**in_subtree("region_path", region_path)).count(),
        sign_ups=await assignments.exclude(status=AssignmentStatus.CANCELLED).count(),
        services_completed=await completed.count(),
        service_hours=round(total_minutes / 60, 1),
        wishes_collected=await wishes.count(),
        wishes_claimed=await wishes.filter(claimed_at__isnull=False).count(),
        wishes_fulfilled=await wishes.filter(status__in=list(DONE_STATUSES)).count(),
        projects_established=await projects.count(),
        projects_completed=await projects.filter(status__in=list(DONE_STATUSES)).count(),
        difficulties_collected=await difficulties.count(),
        difficulties_solved=await difficulties.filter(status__in=list(DONE_STATUSES)).count(),
        cases_collected=await case_total(region_path),
    )


async def _dashboard_section(scope: Scope) -> PartyStats:
    return await party_stats(scope.region.path)


# The dashboard shows the Party work of its region beside the cases.
register_section("party", _dashboard_section)
