"""GET /exports/{token}: the file behind a signed export link (see workflow.exports).

CSV streams as it is produced; XLSX is written to a temporary file in constant memory first
(a workbook is a zip, finished only at its end), then streamed and deleted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import anyio
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from .export_writers import CSV_TYPE, XLSX_TYPE, csv_chunks, write_xlsx
from .models import Account, Region
from .workflow.auth import load_actor
from .workflow.errors import WorkflowError
from .workflow.exports import ExportFormat, ExportPlan, open_table, read_export_token
from .workflow.runtime import Runtime

FILE_CHUNK = 256 * 1024


def _headers(plan: ExportPlan, region: Region) -> dict[str, str]:
    fallback = plan.filename(region)
    localised = quote(plan.filename(region, localised=True), safe="")
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{localised}",
        "Cache-Control": "no-store",  # personal data: no copies in caches
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
    }


async def _file_then_delete(path: anyio.Path) -> AsyncIterator[bytes]:
    try:
        async with await anyio.open_file(path, "rb") as source:
            while chunk := await source.read(FILE_CHUNK):
                yield chunk
    finally:
        await path.unlink(missing_ok=True)


def export_route(rt: Runtime) -> Route:
    async def download(request: Request) -> Response:
        now = int(rt.clock.now().timestamp())
        plan = read_export_token(rt.settings.secret_key, request.path_params["token"], now)
        account = await Account.get_or_none(id=plan.account_id) if plan else None
        region = await Region.get_or_none(id=plan.region_id) if plan else None
        if plan is None or account is None or not account.is_active or region is None:
            return PlainTextResponse("Not found", status_code=404)
        try:
            table = await open_table(await load_actor(account), plan, rt.settings.zone)
        except WorkflowError as error:
            return PlainTextResponse(error.message, status_code=403)
        headers = _headers(plan, region)
        if plan.format is ExportFormat.CSV:
            return StreamingResponse(csv_chunks(table), media_type=CSV_TYPE, headers=headers)
        handle, name = tempfile.mkstemp(prefix="grassroots-export-", suffix=".xlsx")
        os.close(handle)
        path = anyio.Path(name)
        try:
            await write_xlsx(table, Path(name))
        except BaseException:
            await path.unlink(missing_ok=True)
            raise
        headers["Content-Length"] = str((await path.stat()).st_size)
        return StreamingResponse(
            _file_then_delete(path),
            media_type=XLSX_TYPE,
            headers=headers,
            # Also when the client left before the first chunk (the stream never started).
            background=BackgroundTask(Path(name).unlink, missing_ok=True),
        )

    return Route("/exports/{token}", download)
