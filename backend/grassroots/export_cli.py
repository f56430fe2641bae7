"""`grassroots export cases|lists|services|department-report --region CODE …`: an export
written straight to a file, with a progress bar on stderr.

It runs with the database's full view (whoever runs it on the server holds the database
anyway), under the same checks of period, language and volume as the API.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .settings import Settings

if TYPE_CHECKING:
    from .workflow.exports import ExportFormat

# Command-line names of the export kinds (workflow.exports.ExportKind), which are imported
# only when an export runs: the command line starts quickly.
KINDS = {
    "cases": "CASES",
    "lists": "LIST_ITEMS",
    "services": "SERVICE_RECORDS",
    "department-report": "DEPARTMENT_MONTHLY",
}


def add_export_parser(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="write a region's cases, lists or service records of a period, or its monthly "
        "department report, to a CSV or XLSX file",
    )
    export.add_argument("what", choices=list(KINDS))
    export.add_argument("--region", required=True, help="region code; its whole subtree")
    export.add_argument("--from", dest="start", type=date.fromisoformat, help="YYYY-MM-DD")
    export.add_argument("--to", dest="end", type=date.fromisoformat, help="YYYY-MM-DD, included")
    export.add_argument("--month", help="YYYY-MM instead of --from/--to (department-report)")
    export.add_argument("--format", choices=["csv", "xlsx"], help="default: by --output")
    export.add_argument("--output", required=True, help="the file to write")
    export.add_argument("--language", default="ko", help="ko, zh or en")
    export.add_argument(
        "--min-volume", type=int, help="department-report: responses due to be ranked"
    )
    export.set_defaults(func=cmd_export)


def _format(args: argparse.Namespace) -> ExportFormat | None:
    from .workflow.exports import ExportFormat

    name = args.format or Path(args.output).suffix.lstrip(".").lower() or "csv"
    return ExportFormat.__members__.get(name.upper())


async def _export(settings: Settings, args: argparse.Namespace, fmt: ExportFormat) -> int:
    from .db import close_db, init_db
    from .export_writers import write_export
    from .models import Region
    from .progress import ProgressBar
    from .workflow.errors import not_found
    from .workflow.exports import COMMAND_LINE, ExportDraft, ExportKind, open_table, plan_export

    await init_db(settings.database_url)
    try:
        region = await Region.get_or_none(code=args.region)
        if region is None:
            raise not_found("Region", "region")
        draft = ExportDraft(
            kind=ExportKind(KINDS[args.what]),
            region_id=region.id,
            format=fmt,
            start=args.start,
            end=args.end,
            month=args.month,
            language=args.language,
            min_volume=args.min_volume,
        )
        plan, _ = await plan_export(COMMAND_LINE, draft)
        table = await open_table(COMMAND_LINE, plan, settings.zone)
        output = Path(args.output)
        partial = output.with_name(f".{output.name}.partial")  # no half-written file named
        bar = ProgressBar(table.total, verb="exporting", unit="rows")
        try:
            rows = await write_export(table, fmt, partial, bar)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
        bar.close(rows)
        return rows
    finally:
        await close_db()


def cmd_export(args: argparse.Namespace) -> int:
    from .workflow.errors import WorkflowError

    fmt = _format(args)
    if fmt is None:
        print("error: --format must be csv or xlsx", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    try:
        rows = asyncio.run(_export(settings, args, fmt))
    except WorkflowError as error:
        print(f"error: {error.field}: {error.message}", file=sys.stderr)
        return 2
    print(f"wrote {rows:,} rows to {args.output}")
    return 0
