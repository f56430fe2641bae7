"""requestExport: a signed, short-lived download link to a region's data as CSV or XLSX."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from ..workflow import exports as flow
from ..workflow.exports import ExportFormat, ExportKind
from .context import Info
from .errors import UserError, decode_id
from .payloads import run

strawberry.enum(
    ExportKind,
    description="CASES, LIST_ITEMS and SERVICE_RECORDS are rows of a period; "
    "DEPARTMENT_MONTHLY is the month's department ranking with the three rates",
)
strawberry.enum(ExportFormat, description="CSV (UTF-8 with BOM) or an Excel workbook")


@strawberry.input
class RequestExportInput:
    kind: ExportKind
    region_id: strawberry.ID = strawberry.field(description="The region; its whole subtree")
    format: ExportFormat
    from_: date | None = strawberry.field(
        default=None, name="from", description="First day (city time), with `to`"
    )
    to: date | None = strawberry.field(default=None, description="Last day, included")
    month: str | None = strawberry.field(
        default=None,
        description="YYYY-MM, instead of from and to; DEPARTMENT_MONTHLY needs it",
    )
    language: str = strawberry.field(default="ko", description="Headers and values in ko, zh or en")
    min_volume: int | None = strawberry.field(
        default=None,
        description="DEPARTMENT_MONTHLY: responses due a department needs to be ranked "
        "(default as on the dashboard)",
    )


@strawberry.type(description="A file to download; the link works for a few minutes")
class Export:
    kind: ExportKind
    format: ExportFormat
    url: str = strawberry.field(description="Relative to the server; signed, no token needed")
    filename: str
    expires_at: datetime


@strawberry.type
class RequestExportPayload:
    export: Export | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExportMutations:
    @strawberry.mutation(
        description="A download link to a region's cases, list items or service records of a "
        "period, or its monthly department report, for those who may read that data"
    )
    async def request_export(self, info: Info, input: RequestExportInput) -> RequestExportPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            draft = flow.ExportDraft(
                kind=input.kind,
                region_id=decode_id(input.region_id, "Region", "regionId"),
                format=input.format,
                start=input.from_,
                end=input.to,
                month=input.month,
                language=input.language,
                min_volume=input.min_volume,
            )
            issued = await flow.request_export(ctx.rt, ctx.actor, draft)
            export = Export(
                kind=issued.plan.kind,
                format=issued.plan.format,
                url=issued.url,
                filename=issued.filename,
                expires_at=issued.expires_at,
            )
            return {"export": export}

        return await run(RequestExportPayload, act)
