"""Exports: cases, list items and service records of a region and period, and the monthly
department report, as CSV or XLSX.

Asking for an export checks the request and the actor's right to that region's data and
hands back a short-lived signed download link (workflow.signing, as for media). The link
names the plan and the account; the download loads that account afresh and checks again, so
a role taken away meanwhile ends its links too. Rows come from workflow.export_rows, a batch
at a time, and the files are written by grassroots.export_writers.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from ..models import Region
from ..models.enums import Role
from . import export_labels as words
from . import signing
from .actor import CASES_READ, REGION_READER_ROLES, Actor, Binding
from .dashboard import MIN_RANKED_VOLUME
from .department_report import month_bounds
from .errors import ErrorCode, WorkflowError, denied, invalid, not_found
from .export_rows import (
    Selection,
    Table,
    case_table,
    department_report_table,
    list_table,
    service_table,
)
from .lists import ITEM_READER_ROLES
from .party import MEMBER_READER_ROLES
from .runtime import Runtime

URL_TTL_SECONDS = 15 * 60  # long enough to start a download, short enough not to be shared
MAX_DAYS = 3 * 366 + 1  # the longest period one export covers
MAX_MIN_VOLUME = 100_000
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ExportKind(StrEnum):
    CASES = "CASES"
    LIST_ITEMS = "LIST_ITEMS"
    SERVICE_RECORDS = "SERVICE_RECORDS"
    DEPARTMENT_MONTHLY = "DEPARTMENT_MONTHLY"


class ExportFormat(StrEnum):
    CSV = "CSV"
    XLSX = "XLSX"


# Who may take a region's data away in a file: those who read all of it in the API. A wall
# screen shows, it does not download.
EXPORT_ROLES: dict[ExportKind, frozenset[Role]] = {
    ExportKind.CASES: REGION_READER_ROLES - {Role.DISPLAY},
    ExportKind.LIST_ITEMS: ITEM_READER_ROLES - {Role.DISPLAY},
    ExportKind.SERVICE_RECORDS: MEMBER_READER_ROLES,
    ExportKind.DEPARTMENT_MONTHLY: REGION_READER_ROLES - {Role.DISPLAY},
}
SLUGS = {
    ExportKind.CASES: "cases",
    ExportKind.LIST_ITEMS: "lists",
    ExportKind.SERVICE_RECORDS: "service-records",
    ExportKind.DEPARTMENT_MONTHLY: "department-report",
}
PRODUCERS = {
    ExportKind.CASES: case_table,
    ExportKind.LIST_ITEMS: list_table,
    ExportKind.SERVICE_RECORDS: service_table,
    ExportKind.DEPARTMENT_MONTHLY: department_report_table,
}
# Whoever runs the command line on the server has the database already.
COMMAND_LINE = Actor(
    account_id=0,
    username="command-line",
    display_name="command line",
    bindings=(Binding(role=Role.ADMIN),),
)


@dataclass(frozen=True)
class ExportDraft:
    """An export as asked for: `month` ("YYYY-MM") or `start` and `end` (days, included)."""

    kind: ExportKind
    region_id: int
    format: ExportFormat
    start: date | None = None
    end: date | None = None
    month: str | None = None
    language: str = "ko"
    min_volume: int | None = None


@dataclass(frozen=True)
class ExportPlan:
    """A checked export: what a download link carries."""

    kind: ExportKind
    region_id: int
    format: ExportFormat
    first_day: date
    last_day: date  # included
    language: str
    account_id: int  # whose view of the data the file shows
    min_volume: int = MIN_RANKED_VOLUME
    monthly: bool = False  # the period is one calendar month

    def as_json(self) -> dict[str, Any]:
        return {
            "k": self.kind.value,
            "r": self.region_id,
            "f": self.format.value,
            "a": self.first_day.isoformat(),
            "b": self.last_day.isoformat(),
            "l": self.language,
            "u": self.account_id,
            "v": self.min_volume,
            "m": self.monthly,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportPlan:
        return cls(
            kind=ExportKind(data["k"]),
            region_id=int(data["r"]),
            format=ExportFormat(data["f"]),
            first_day=date.fromisoformat(data["a"]),
            last_day=date.fromisoformat(data["b"]),
            language=str(data["l"]),
            account_id=int(data["u"]),
            min_volume=int(data["v"]),
            monthly=bool(data["m"]),
        )

    @property
    def period(self) -> str:
        if self.monthly:
            return self.first_day.strftime("%Y-%m")
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"

    def filename(self, region: Region, *, localised: bool = False) -> str:
        """ "cases-222401003001-2026-11.csv", or in the export's language
        "延青社区-案件-2026-11.csv"."""
        extension = self.format.value.lower()
        if not localised:
            return f"{SLUGS[self.kind]}-{region.code}-{self.period}.{extension}"
        name = getattr(region, f"name_{self.language}", None) or region.name_ko
        return f"{name}-{words.title(self.kind.value, self.language)}-{self.period}.{extension}"


def may_export(actor: Actor | None, kind: ExportKind, region: Region) -> bool:
    return actor is not None and actor.covers(
        region.path, actor.reading(EXPORT_ROLES[kind], CASES_READ)
    )


def _month(value: str) -> tuple[date, date]:
    match = MONTH.match(value.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise invalid("month", "month must be a month as YYYY-MM")
    return month_bounds(int(match.group(1)), int(match.group(2)))


def _period(draft: ExportDraft) -> tuple[date, date, bool]:
    if draft.month is not None:
        first, last = _month(draft.month)
        return first, last, True
    if draft.kind is ExportKind.DEPARTMENT_MONTHLY:
        raise invalid("month", "The monthly department report needs a month (YYYY-MM)")
    if draft.start is None:
        raise invalid("from", "Give a period: from and to, or a month")
    if draft.end is None:
        raise invalid("to", "Give the last day of the period (to)")
    if draft.end < draft.start:
        raise invalid("to", "to must not be before from")
    if (draft.end - draft.start).days + 1 > MAX_DAYS:
        raise invalid("to", f"An export covers at most {MAX_DAYS} days")
    return draft.start, draft.end, False


async def plan_export(actor: Actor | None, draft: ExportDraft) -> tuple[ExportPlan, Region]:
    """Check an export request; refusals name the field and write nothing."""
    if actor is None:
        raise WorkflowError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    if draft.language not in words.LANGUAGES:
        raise invalid("language", f"language must be one of {', '.join(words.LANGUAGES)}")
    min_volume = MIN_RANKED_VOLUME if draft.min_volume is None else draft.min_volume
    if not 1 <= min_volume <= MAX_MIN_VOLUME:
        raise invalid("minVolume", f"minVolume must be 1 to {MAX_MIN_VOLUME}")
    first, last, monthly = _period(draft)
    region = await Region.get_or_none(id=draft.region_id)
    if region is None:
        raise not_found("Region", "regionId")
    if not may_export(actor, draft.kind, region):
        raise denied("You may not export this region's data", "regionId")
    plan = ExportPlan(
        kind=draft.kind,
        region_id=region.id,
        format=draft.format,
        first_day=first,
        last_day=last,
        language=draft.language,
        account_id=actor.account_id,
        min_volume=min_volume,
        monthly=monthly,
    )
    return plan, region


async def open_table(actor: Actor | None, plan: ExportPlan, tz: ZoneInfo) -> Table:
    """The export's rows, ready to be written; checks the actor's right once more."""
    region = await Region.get_or_none(id=plan.region_id)
    if region is None:
        raise not_found("Region", "regionId")
    if actor is None or not may_export(actor, plan.kind, region):
        raise denied("You may not export this region's data", "regionId")
    selection = Selection(
        actor=actor,
        region=region,
        first_day=plan.first_day,
        last_day=plan.last_day,
        start=datetime.combine(plan.first_day, time(), tzinfo=tz),
        end=datetime.combine(plan.last_day + timedelta(days=1), time(), tzinfo=tz),
        tz=tz,
        language=plan.language,
        min_volume=plan.min_volume,
    )
    return await PRODUCERS[plan.kind](selection)


# --- download links ----------------------------------------------------------------------


def _message(body: str) -> str:
    # A purpose prefix, so that no media signature can pass for an export's and back.
    return f"export:{body}"


def export_token(secret_key: str, plan: ExportPlan, expires: int) -> str:
    raw = json.dumps(plan.as_json(), separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{body}.{expires}.{signing.sign(secret_key, _message(body), expires)}"


def read_export_token(secret_key: str, token: str, now: int) -> ExportPlan | None:
    """The plan a link carries; None if it is forged, altered, expired or malformed."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    body, expires, signature = parts[0], int(parts[1]), parts[2]
    if not signing.verify(secret_key, _message(body), expires, signature, now):
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return ExportPlan.from_json(json.loads(raw))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class IssuedExport:
    plan: ExportPlan
    url: str
    filename: str
    expires_at: datetime


async def request_export(rt: Runtime, actor: Actor | None, draft: ExportDraft) -> IssuedExport:
    plan, region = await plan_export(actor, draft)
    now = rt.clock.now()
    expires = int(now.timestamp()) + URL_TTL_SECONDS
    token = export_token(rt.settings.secret_key, plan, expires)
    return IssuedExport(
        plan=plan,
        url=f"/exports/{quote(token)}",
        filename=plan.filename(region),
        expires_at=datetime.fromtimestamp(expires, tz=now.tzinfo),
    )
