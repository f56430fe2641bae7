"""The rows of each export, produced a batch at a time.

Every producer reads its rows in keyset-paged batches (by id), so an export of a million
cases holds one batch in memory, never the whole result; the names it needs beside them
(regions, categories, departments) are small tables read once. Personal data is shown or
masked row by row, by the same rules as the API (workflow.visibility, workflow.party).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from tortoise.models import Model
from tortoise.queryset import QuerySet

from ..models import (
    Account,
    Assignment,
    Case,
    Category,
    Department,
    ListItem,
    PartyOrganisation,
    Region,
)
from ..models.tasks import AssignmentStatus
from . import export_labels as words
from .actor import STAFF_ROLES, Actor
from .department_report import department_report
from .party import can_see_member, can_see_member_phone
from .stats import in_subtree
from .visibility import can_see_personal_data, mask_name, mask_phone

BATCH = 500  # rows per query: memory is bounded by this, queries grow with rows / BATCH

Cell = str | int | float | datetime | None
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Column:
    key: str  # its header in export_labels.HEADERS
    type: str = "text"  # text | integer | number | rate (a fraction) | datetime


@dataclass
class Table:
    """What a writer needs: headers, column types, how many rows will come, and the rows."""

    title: str
    headers: list[str]
    types: list[str]
    total: int
    rows: AsyncIterator[list[Cell]]


@dataclass(frozen=True)
class Selection:
    """Which rows, for whom, in which words."""

    actor: Actor
    region: Region
    first_day: date
    last_day: date  # included
    start: datetime  # the city's local midnight of first_day
    end: datetime  # the local midnight after last_day
    tz: ZoneInfo
    language: str
    min_volume: int

    def local(self, at: datetime | None) -> datetime | None:
        """A moment as the city's wall-clock time, which spreadsheets show as it is."""
        return at.astimezone(self.tz).replace(tzinfo=None, microsecond=0) if at else None

    def name(self, row: Any) -> str:
        return str(getattr(row, f"name_{self.language}", None) or row.name_ko)


def _table(sel: Selection, kind: str, columns: Iterable[Column], total: int, rows: Any) -> Table:
    columns = list(columns)
    return Table(
        title=words.title(kind, sel.language),
        headers=[words.header(c.key, sel.language) for c in columns],
        types=[c.type for c in columns],
        total=total,
        rows=rows,
    )


async def keyset_batches(query: QuerySet[M], size: int | None = None) -> AsyncIterator[list[M]]:
    """The rows of `query` in id order, a batch at a time (id > last seen, never OFFSET)."""
    size = size or BATCH
    last = 0
    while True:
        batch = await query.filter(id__gt=last).order_by("id").limit(size)
        if batch:
            yield batch
        if len(batch) < size:
            return
        last = batch[-1].pk


async def _names(sel: Selection, model: type[Model], **filters: Any) -> dict[int, str]:
    column = f"name_{sel.language}"
    rows = await model.filter(**filters).values_list("id", column)
    return {int(pk): str(name) for pk, name in rows}  # type: ignore[misc]


async def _subtree_names(sel: Selection) -> dict[int, str]:
    return await _names(sel, Region, **in_subtree("path", sel.region.path))


async def _accounts(ids: Iterable[int | None]) -> dict[int, tuple[str, str | None]]:
    """id → (display name, phone) of the accounts a batch names."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await Account.filter(id__in=wanted).values_list("id", "display_name", "phone")
    return {int(pk): (str(name), phone) for pk, name, phone in rows}  # type: ignore[misc]


def _in_time(done: datetime | None, due: datetime | None) -> bool | None:
    if done is None:
        return None
    return due is None or done <= due


# --- cases -------------------------------------------------------------------------------

CASE_COLUMNS = (
    Column("number"),
    Column("title"),
    Column("status"),
    Column("category"),
    Column("source"),
    Column("urgency"),
    Column("region"),
    Column("address"),
    Column("reporter"),
    Column("phone"),
    Column("lead_department"),
    Column("reported_at", "datetime"),
    Column("claim_due_at", "datetime"),
    Column("claimed_at", "datetime"),
    Column("resolve_due_at", "datetime"),
    Column("resolved_at", "datetime"),
    Column("closed_at", "datetime"),
    Column("satisfaction"),
    Column("resolved_in_time"),
)


async def case_table(sel: Selection) -> Table:
    """Cases reported in the region's subtree within the period."""
    query = Case.filter(
        **in_subtree("region_path", sel.region.path),
        created_at__gte=sel.start,
        created_at__lt=sel.end,
    )
    total = await query.count()
    regions = await _subtree_names(sel)
    categories = await _names(sel, Category)
    departments = await _names(sel, Department)
    lang = sel.language

    async def rows() -> AsyncIterator[list[Cell]]:
        async for batch in keyset_batches(query):
            people = await _accounts(c.reporter_id for c in batch)
            for case in batch:
                if case.reporter_id is not None:
                    name, phone = people.get(case.reporter_id, (None, None))
                else:
                    name, phone = case.caller_name, case.caller_phone
                if not can_see_personal_data(sel.actor, case):
                    name, phone = mask_name(name), mask_phone(phone)
                yield [
                    case.number,
                    case.title,
                    words.value(case.status, lang),
                    categories.get(case.category_id),
                    words.value(case.source, lang),
                    words.value(case.urgency, lang),
                    regions.get(case.region_id),
                    case.address,
                    name,
                    phone,
                    departments.get(case.lead_department_id or 0),
                    sel.local(case.created_at),
                    sel.local(case.claim_due_at),
                    sel.local(case.claimed_at),
                    sel.local(case.resolve_due_at),
                    sel.local(case.resolved_at),
                    sel.local(case.closed_at),
                    words.value(case.satisfaction, lang),
                    words.yes_no(_in_time(case.resolved_at, case.resolve_due_at), lang),
                ]

    return _table(sel, "CASES", CASE_COLUMNS, total, rows())


# --- the three lists ---------------------------------------------------------------------

LIST_COLUMNS = (
    Column("kind"),
    Column("title"),
    Column("status"),
    Column("region"),
    Column("requested_by"),
    Column("claimed_by"),
    Column("organisation"),
    Column("created_at", "datetime"),
    Column("due_at", "datetime"),
    Column("claimed_at", "datetime"),
    Column("done_at", "datetime"),
    Column("verified_at", "datetime"),
    Column("done_in_time"),
)


def _sees_requester(actor: Actor, item: ListItem) -> bool:
    """As the API shows a list item: the resident it is for is named to staff only."""
    return (
        actor.is_admin
        or actor.account_id == item.requested_by_id
        or actor.covers(item.region_path, STAFF_ROLES)
    )


async def list_table(sel: Selection) -> Table:
    """List items put on the lists of the region's subtree within the period."""
    query = ListItem.filter(
        **in_subtree("region_path", sel.region.path),
        created_at__gte=sel.start,
        created_at__lt=sel.end,
    )
    total = await query.count()
    regions = await _subtree_names(sel)
    lang = sel.language

    async def rows() -> AsyncIterator[list[Cell]]:
        async for batch in keyset_batches(query):
            people = await _accounts(
                i for item in batch for i in (item.requested_by_id, item.claimed_by_id)
            )
            org_ids = {i.organisation_id for i in batch if i.organisation_id}
            organisations = await _names(sel, PartyOrganisation, id__in=org_ids) if org_ids else {}
            for item in batch:
                requester = people.get(item.requested_by_id or 0, (None, None))[0]
                if not _sees_requester(sel.actor, item):
                    requester = mask_name(requester)
                yield [
                    words.value(item.kind, lang),
                    item.title,
                    words.value(item.status, lang),
                    regions.get(item.region_id),
                    requester,
                    people.get(item.claimed_by_id or 0, (None, None))[0],
                    organisations.get(item.organisation_id or 0),
                    sel.local(item.created_at),
                    sel.local(item.due_at),
                    sel.local(item.claimed_at),
                    sel.local(item.done_at),
                    sel.local(item.verified_at),
                    words.yes_no(_in_time(item.done_at, item.due_at), lang),
                ]

    return _table(sel, "LIST_ITEMS", LIST_COLUMNS, total, rows())


# --- service records ---------------------------------------------------------------------

SERVICE_COLUMNS = (
    Column("task"),
    Column("region"),
    Column("place"),
    Column("starts_at", "datetime"),
    Column("ends_at", "datetime"),
    Column("member"),
    Column("phone"),
    Column("organisation"),
    Column("status"),
    Column("signed_up_at", "datetime"),
    Column("checked_in_at", "datetime"),
    Column("completed_at", "datetime"),
    Column("service_hours", "number"),
)


async def service_table(sel: Selection) -> Table:
    """Every sign-up for the service tasks of the region's subtree that start in the period."""
    query = Assignment.filter(
        **in_subtree("task__region_path", sel.region.path),
        task__starts_at__gte=sel.start,
        task__starts_at__lt=sel.end,
    ).select_related("task", "member")
    total = await query.count()
    regions = await _subtree_names(sel)
    lang = sel.language

    async def rows() -> AsyncIterator[list[Cell]]:
        async for batch in keyset_batches(query):
            members = [a.member for a in batch]
            people = await _accounts(m.account_id for m in members)
            org_ids = {m.organisation_id for m in members if m.organisation_id}
            org_rows = (
                await PartyOrganisation.filter(id__in=org_ids).values_list(
                    "id", f"name_{lang}", "region_path"
                )
                if org_ids
                else []
            )
            organisations = {int(pk): (str(n), str(p)) for pk, n, p in org_rows}  # type: ignore[misc]
            for assignment in batch:
                task, member = assignment.task, assignment.member
                org_name, org_path = organisations.get(member.organisation_id or 0, (None, None))
                name, phone = people.get(member.account_id, (None, None))
                if not can_see_member(sel.actor, member, org_path):
                    name = mask_name(name)
                if not can_see_member_phone(sel.actor, member):
                    phone = mask_phone(phone)
                completed = assignment.status is AssignmentStatus.COMPLETED
                yield [
                    task.title,
                    regions.get(task.region_id),
                    task.place,
                    sel.local(task.starts_at),
                    sel.local(task.ends_at),
                    name,
                    phone,
                    org_name,
                    words.value(assignment.status, lang),
                    sel.local(assignment.signed_up_at),
                    sel.local(assignment.checked_in_at),
                    sel.local(assignment.completed_at),
                    round(assignment.service_minutes / 60, 2) if completed else None,
                ]

    return _table(sel, "SERVICE_RECORDS", SERVICE_COLUMNS, total, rows())


# --- the monthly department report ------------------------------------------------------

REPORT_COLUMNS = (
    Column("rank", "integer"),
    Column("department"),
    Column("responses_due", "integer"),
    Column("responses_on_time", "integer"),
    Column("response_rate", "rate"),
    Column("resolved", "integer"),
    Column("resolved_on_time", "integer"),
    Column("resolution_rate", "rate"),
    Column("ratings", "integer"),
    Column("ratings_satisfied", "integer"),
    Column("satisfaction_rate", "rate"),
    Column("mean_minutes_to_claim", "number"),
    Column("mean_hours_to_resolve", "number"),
    Column("note"),
)


async def department_report_table(sel: Selection) -> Table:
    """One row per department that served the region, ranked ones first, then the region's
    own totals. Its few rows are computed at once."""
    report = await department_report(
        sel.region, sel.first_day, sel.last_day, min_volume=sel.min_volume
    )
    lang = sel.language
    unranked = words.not_ranked(report.min_volume, lang)
    lines: list[tuple[int | None, str, Any, str | None]] = [
        (line.rank, sel.name(line.department), line.rates, None if line.rank else unranked)
        for line in report.lines
    ]
    lines.append((None, words.total(sel.name(sel.region), lang), report.total, None))

    async def rows() -> AsyncIterator[list[Cell]]:
        for rank, name, r, note in lines:
            yield [
                rank,
                name,
                r.responses_due,
                r.responses_on_time,
                r.response_rate,
                r.resolved,
                r.resolved_on_time,
                r.resolution_rate,
                r.ratings,
                r.ratings_satisfied,
                r.satisfaction_rate,
                r.mean_minutes_to_claim,
                r.mean_hours_to_resolve,
                note,
            ]

    return _table(sel, "DEPARTMENT_MONTHLY", REPORT_COLUMNS, len(lines), rows())
