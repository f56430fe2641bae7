"""Writing an export's rows as CSV or XLSX, a row at a time, in constant memory.

CSV is UTF-8 with a byte-order mark, so that Excel reads Chinese and Korean right, and comes
out in chunks that can be streamed as they are made. XLSX is written by XlsxWriter in its
constant_memory mode (each row goes to a temporary file as soon as the next one starts) into
a file, which is then sent or kept. A text cell that a spreadsheet would take for a formula
stays text in both.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import xlsxwriter

from .workflow.export_rows import Cell, Table
from .workflow.exports import ExportFormat

Progress = Callable[..., None]  # progress(rows_done, force=False), e.g. progress.ProgressBar

BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
WIDTHS = {"text": 18, "integer": 10, "number": 12, "rate": 10, "datetime": 17}


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


async def csv_chunks(table: Table, progress: Progress | None = None) -> AsyncIterator[bytes]:
    """The CSV file in chunks of about CHUNK_CHARS characters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(table.headers)
    done = 0
    async for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
        done += 1
        if progress is not None:
            progress(done)
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if progress is not None:
        progress(done, force=True)
    yield buffer.getvalue().encode("utf-8")


async def write_csv(table: Table, path: Path, progress: Progress | None = None) -> int:
    """Write the file; returns the number of rows."""
    written = 0

    def count(done: int, *, force: bool = False) -> None:
        nonlocal written
        written = done
        if progress is not None:
            progress(done, force=force)

    with path.open("wb") as out:
        async for chunk in csv_chunks(table, count):
            out.write(chunk)
    return written


async def write_xlsx(table: Table, path: Path, progress: Progress | None = None) -> int:
    """Write the workbook; returns the number of rows."""
    done = 0
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        sheet = workbook.add_worksheet(SHEET_NAME_BAD.sub(" ", table.title)[:31])
        heading = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
        formats = {
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "rate": workbook.add_format({"num_format": "0.0%"}),
            "number": workbook.add_format({"num_format": "0.00"}),
        }
        for col, kind in enumerate(table.types):
            sheet.set_column(col, col, WIDTHS.get(kind, 18))
        sheet.freeze_panes(1, 0)
        for col, text in enumerate(table.headers):
            sheet.write_string(0, col, text, heading)
        async for row in table.rows:
            done += 1
            for col, value in enumerate(row):
                if value is None:
                    continue
                fmt = formats.get(table.types[col])
                if isinstance(value, datetime):
                    sheet.write_datetime(done, col, value, fmt)
                elif isinstance(value, str):
                    sheet.write_string(done, col, value)
                else:
                    sheet.write_number(done, col, value, fmt)
            if progress is not None:
                progress(done)
        if progress is not None:
            progress(done, force=True)
    finally:
        # Zipping a large workbook takes a while: off the event loop.
        await asyncio.to_thread(workbook.close)
    return done


async def write_export(
    table: Table, fmt: ExportFormat, path: Path, progress: Progress | None = None
) -> int:
    if fmt is ExportFormat.XLSX:
        return await write_xlsx(table, path, progress)
    return await write_csv(table, path, progress)
