"""Exports: a region's cases, lists and service records of a period, and the monthly
department report, as CSV or XLSX, through a signed download link or the command line, in
the requester's language and with personal data as the requester may see it."""

from __future__ import annotations

import asyncio
import csv
import io
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from grassroots.cli import main
from grassroots.clock import FrozenClock
from grassroots.db import close_db, init_db
from grassroots.export_writers import csv_chunks, write_xlsx
from grassroots.models import Case, Department, Region, RoleBinding
from grassroots.models.stats import DEPARTMENT_METRICS
from grassroots.settings import Settings
from grassroots.workflow import export_rows, stats
from grassroots.workflow.exports import (
    COMMAND_LINE,
    ExportDraft,
    ExportFormat,
    ExportKind,
    open_table,
    plan_export,
)

from . import flows, lookup
from .client import Api
from .conftest import Databases, database_settings
from .party_setup import member_account
from .test_tasks import post_task, sign_up

REQUEST_EXPORT = """
mutation RequestExport($input: RequestExportInput!) {
  requestExport(input: $input) {
    export { kind format url filename expiresAt }
    userErrors { field message code }
  }
}
"""
BOM = "\ufeff"
CASE_HEADERS_ZH = ["编号", "标题", "状态", "类别", "来源", "紧急程度", "区域", "地址", "报告人"]
GENERATED_CASES = 2000


async def request_export(api: Api, user: str, **fields: Any) -> dict[str, Any]:
    data = await api.as_user(user, REQUEST_EXPORT, {"input": fields})
    return data["requestExport"]


async def export_link(api: Api, user: str, **fields: Any) -> dict[str, Any]:
    payload = await request_export(api, user, **fields)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["export"]


def read_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith(BOM), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def read_xlsx(body: bytes) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


async def case_number(case_id: str) -> str:
    from grassroots.graphql.errors import decode_id

    return (await Case.get(id=decode_id(case_id, "Case", "caseId"))).number


# --- through the API ---------------------------------------------------------------------


async def test_a_csv_export_has_the_regions_cases_in_the_requesters_language(api: Api) -> None:
    # Given a closed and an open case in 延青社区 and one in 民兴社区, this November
    closed = await case_number(await flows.case_in(api, "CLOSED"))
    open_ = await case_number(await flows.report(api, title="가로등 고장 路灯不亮"))
    await flows.report(api, user="resident3", community="民兴社区")
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")

    # When Yanqing's staff ask for the month's cases as CSV in Chinese and download them
    link = await export_link(
        api,
        "community1",
        kind="CASES",
        regionId=yanqing["id"],
        month="2026-11",
        format="CSV",
        language="zh",
    )
    response = await api.http.get(link["url"])  # no bearer token: the link is the key

    # Then the file is an attachment named after the region and the month
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{link["filename"]}"' in disposition
    assert link["filename"] == "cases-222401003001-2026-11.csv"
    assert "延青社区-案件-2026-11.csv" in unquote(disposition)
    assert response.headers["cache-control"] == "no-store"

    # and it holds Yanqing's two cases, not Minxing's, with Chinese headers and words
    header, *rows = read_csv(response.content)
    assert header[: len(CASE_HEADERS_ZH)] == CASE_HEADERS_ZH
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_number) == {closed, open_}
    done = by_number[closed]
    assert done["状态"] == "已销号"
    assert done["满意度"] == "基本满意"
    assert done["按期办结"] == "是"
    assert done["区域"] in {g["nameZh"] for g in await lookup.grids_of(api, yanqing["id"])}
    assert done["上报时间"] == "2026-11-02 09:00"  # Yanji time of the frozen clock
    # and staff see who reported it
    assert done["报告人"] == "김민수 金民洙"
    assert done["联系电话"] == "13804331234"
    assert by_number[open_]["状态"] == "已上报"


async def test_personal_data_is_masked_for_those_who_may_not_see_it(api: Api) -> None:
    # Given a case reported by resident1
    await flows.report(api)
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")

    # When the block head (who reads the region's cases, not its residents' phones) exports
    link = await export_link(
        api, "head1", kind="CASES", regionId=yanqing["id"], month="2026-11", format="CSV"
    )
    header, row = read_csv((await api.http.get(link["url"])).content)

    # Then the reporter is masked as the API masks them, headers in Korean by default
    record = dict(zip(header, row, strict=True))
    assert record["신고인"] == "김** 金**"
    assert record["연락처"] == "138****1234"


async def test_an_export_stays_within_the_requesters_region(api: Api, clock: FrozenClock) -> None:
    await flows.report(api)
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    minxing = await lookup.region(api, "COMMUNITY", "民兴社区")
    street = await lookup.region(api, "STREET", "建工街道")
    period = {"kind": "CASES", "format": "CSV", "from": "2026-11-01", "to": "2026-11-30"}

    # Community staff may not export another community, nor their street
    for region in (minxing, street):
        refused = await request_export(api, "community1", regionId=region["id"], **period)
        assert refused["export"] is None
        assert refused["userErrors"] == [
            {
                "field": "regionId",
                "message": "You may not export this region's data",
                "code": "PERMISSION_DENIED",
            }
        ]
    # and neither may a resident or the wall screen, though the screen shows the cases
    for user in ("resident1", "screen1"):
        refused = await request_export(api, user, regionId=yanqing["id"], **period)
        assert refused["userErrors"][0]["code"] == "PERMISSION_DENIED"
    # and nobody signed out
    anonymous = await api.run(REQUEST_EXPORT, {"input": {"regionId": yanqing["id"], **period}})
    assert anonymous["requestExport"]["userErrors"][0]["code"] == "UNAUTHENTICATED"

    # A link works only as issued: altered or forged links are not found
    link = await export_link(api, "community1", regionId=yanqing["id"], **period)
    body, expires, signature = link["url"].removeprefix("/exports/").split(".")
    assert (await api.http.get(link["url"])).status_code == 200
    other = await export_link(api, "street1", regionId=street["id"], **period)
    other_body = other["url"].removeprefix("/exports/").split(".")[0]
    for forged in (
        f"{other_body}.{expires}.{signature}",  # another plan under this signature
        f"{body}.{int(expires) + 3600}.{signature}",  # a later expiry
        f"{body}.{expires}.{'0' * 32}",
        "nonsense",
    ):
        assert (await api.http.get(f"/exports/{forged}")).status_code == 404

    # and only for a while
    clock.advance(minutes=16)
    assert (await api.http.get(link["url"])).status_code == 404

    # A live link stops working when its holder loses the role it was issued for
    clock.advance(minutes=-16)
    staff = await RoleBinding.get(account__username="community1")
    await staff.delete()
    assert (await api.http.get(link["url"])).status_code == 403


async def test_bad_requests_name_the_field(api: Api) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    base = {"kind": "CASES", "format": "CSV", "regionId": yanqing["id"]}
    cases = [
        ({}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "to"),
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-11", "language": "fr"}, "language"),
        ({"kind": "DEPARTMENT_MONTHLY", "from": "2026-11-01", "to": "2026-11-30"}, "month"),
        ({"kind": "DEPARTMENT_MONTHLY", "month": "2026-11", "minVolume": 0}, "minVolume"),
        ({"month": "2026-11", "regionId": "UmVnaW9uOjk5OTk5"}, "regionId"),  # Region:99999
    ]
    for fields, field in cases:
        payload = await request_export(api, "community1", **{**base, **fields})
        assert payload["export"] is None
        assert [e["field"] for e in payload["userErrors"]] == [field], (fields, payload)


async def test_an_xlsx_export_opens_in_a_spreadsheet(api: Api) -> None:
    # Given a closed case in Yanqing
    number = await case_number(await flows.case_in(api, "CLOSED"))
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")

    # When it is exported as XLSX in English
    period = {"from": "2026-11-01", "to": "2026-11-02"}
    link = await export_link(
        api,
        "community1",
        kind="CASES",
        regionId=yanqing["id"],
        format="XLSX",
        language="en",
        **period,
    )
    response = await api.http.get(link["url"])

    # Then it is a workbook with the header row and the case, times as real dates
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert int(response.headers["content-length"]) == len(response.content)
    assert link["filename"] == "cases-222401003001-2026-11-01_2026-11-02.xlsx"
    header, *rows = read_xlsx(response.content)
    assert header[:4] == ("Number", "Title", "Status", "Category")
    assert len(rows) == 1
    record = dict(zip(header, rows[0], strict=True))
    assert record["Number"] == number
    assert record["Status"] == "Closed"
    assert record["Reported at"] == datetime(2026, 11, 2, 9, 0)


async def test_lists_and_service_records_export(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    # Given a small wish in Yanqing and a service task there with two sign-ups
    await member_account(settings, clock, "party1")
    await member_account(settings, clock, "member2")
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    wish = await api.as_user(
        "resident1",
        """mutation($input: CreateListItemInput!) {
          createListItem(input: $input) { listItem { id } userErrors { field message } } }""",
        {"input": {"kind": "WISH", "title": "책상 하나 一张书桌", "regionId": yanqing["id"]}},
    )
    assert wish["createListItem"]["userErrors"] == []
    task = await post_task(api, slots=3)
    assert (await sign_up(api, "party1", task["id"]))["userErrors"] == []
    assert (await sign_up(api, "member2", task["id"]))["userErrors"] == []

    # When staff export the month's lists and service records
    lists = await export_link(
        api,
        "community1",
        kind="LIST_ITEMS",
        regionId=yanqing["id"],
        month="2026-11",
        format="CSV",
        language="zh",
    )
    services = await export_link(
        api,
        "community1",
        kind="SERVICE_RECORDS",
        regionId=yanqing["id"],
        month="2026-11",
        format="XLSX",
        language="zh",
    )

    # Then the wish is there, for the resident who asked, and the two sign-ups
    header, row = read_csv((await api.http.get(lists["url"])).content)
    item = dict(zip(header, row, strict=True))
    assert (item["类型"], item["标题"], item["状态"]) == ("微心愿", "책상 하나 一张书桌", "待认领")
    assert item["申请人"] == "김민수 金民洙"
    header, *rows = read_xlsx((await api.http.get(services["url"])).content)
    records = [dict(zip(header, r, strict=True)) for r in rows]
    assert sorted(r["党员"] for r in records) == sorted(["김영애 金英爱", "당원 member2 党员"])
    assert sorted(r["联系电话"] for r in records) == ["13894350078", "13900001111"]
    assert {r["状态"] for r in records} == {"已报名"}
    assert {r["服务任务"] for r in records} == {"경로당 청소 敬老院打扫"}

    # and a block head, who does not read the Party members, may not export their records
    refused = await request_export(
        api,
        "head1",
        kind="SERVICE_RECORDS",
        regionId=yanqing["id"],
        month="2026-11",
        format="CSV",
    )
    assert refused["userErrors"][0]["code"] == "PERMISSION_DENIED"


async def test_the_monthly_department_report(api: Api) -> None:
    # Given a case the heating company claimed in time, resolved and was rated for
    await flows.case_in(api, "CLOSED")
    yanji = await lookup.region(api, "CITY", "延吉市")
    month = {"kind": "DEPARTMENT_MONTHLY", "regionId": yanji["id"], "month": "2026-11"}

    # When the city's staff export November's report with the dashboard's minimum volume
    link = await export_link(api, "city1", format="XLSX", language="zh", **month)
    assert link["filename"] == "department-report-222401-2026-11.xlsx"
    header, *rows = read_xlsx((await api.http.get(link["url"])).content)

    # Then the company has its three rates and mean times, but one response is too few to rank
    assert header[:5] == ("排名", "部门", "应报到", "按时报到", "响应率")
    lines = {r[1]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(lines) == {"延吉市供热公司", "延吉市合计"}  # the silent office had nothing due
    company = lines["延吉市供热公司"]
    assert company["排名"] is None
    assert company["备注"] == "应报到不足5件，不参与排名"
    assert (company["应报到"], company["按时报到"], company["响应率"]) == (1, 1, 1)
    assert (company["办结数"], company["按期办结数"], company["办结率"]) == (1, 1, 1)
    assert (company["评价数"], company["满意数"], company["满意率"]) == (1, 1, 1)
    assert company["平均报到时长(分钟)"] is not None
    assert company["平均办结时长(小时)"] is not None
    # and the last row is the city's total
    assert rows[-1][1] == "延吉市合计"
    assert rows[-1][2] == 1

    # When the minimum volume is one, Then the company is ranked first
    link = await export_link(api, "city1", format="CSV", language="en", minVolume=1, **month)
    header, *rows = read_csv((await api.http.get(link["url"])).content)
    assert header[:3] == ["Rank", "Department", "Responses due"]
    assert rows[0][:2] == ["1", "Yanji Heating Company"]
    assert rows[0][4] == "1.0"


# --- from the command line, over a generated history -------------------------------------


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[Settings]:
    """A generated history of a few thousand cases over half a year, shared by the tests
    below, which only read it."""
    data_dir = tmp_path_factory.mktemp("history")
    url = databases.empty(data_dir)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GRASSROOTS_DATA_DIR", str(data_dir))
        env.setenv("GRASSROOTS_DATABASE_URL", url)
        generate = ["generate", "--cases", str(GENERATED_CASES), "--years", "0.5", "--seed", "11"]
        assert main(generate) == 0
    yield database_settings(data_dir, url)
    databases.drop(url)


@pytest.fixture
def cli_env(history: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("GRASSROOTS_DATA_DIR", str(history.data_dir))
    monkeypatch.setenv("GRASSROOTS_DATABASE_URL", history.database_url)
    return history


def test_the_command_line_writes_the_file_with_a_progress_bar(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "cases.csv"

    # When every case of the prefecture is exported from the command line, in English
    first, last = _whole_history()
    command = ["export", "cases", "--region", "222400", "--from", first.isoformat()]
    command += ["--to", last.isoformat(), "--output", str(output), "--language", "en"]
    assert main(command) == 0

    # Then it reports progress on stderr and what it wrote on stdout
    printed = capsys.readouterr()
    assert f"{GENERATED_CASES:,}/{GENERATED_CASES:,} rows 100.0%" in printed.err
    assert printed.err.startswith("\rexporting")
    assert f"wrote {GENERATED_CASES:,} rows to {output}" in printed.out

    # and the file has a header and every case once
    header, *rows = read_csv(output.read_bytes())
    assert header[0] == "Number"
    assert len(rows) == GENERATED_CASES
    assert len({row[0] for row in rows}) == GENERATED_CASES

    # A bad request is refused with the field named, and no file is written
    refused = tmp_path / "refused.xlsx"
    no_month = ["export", "department-report", "--region", "222401", "--output", str(refused)]
    assert main(no_month) == 2
    assert "error: month:" in capsys.readouterr().err
    nowhere = ["export", "cases", "--region", "nowhere", "--month", "2026-01"]
    assert main([*nowhere, "--output", str(refused)]) == 2
    assert "error: region: Region not found" in capsys.readouterr().err
    assert not refused.exists()


def _whole_history() -> tuple[date, date]:
    """A period holding the generated half year (which ends now)."""
    today = datetime.now(UTC).date()
    return today - timedelta(days=366), today + timedelta(days=1)


def _last_full_month() -> date:
    first_of_this = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    return (first_of_this - timedelta(days=1)).replace(day=1)


async def _recounted_volumes(
    settings: Settings, region_code: str, month: date
) -> dict[str, dict[str, int]]:
    """Per department code, the month's figures recounted from the raw rows."""
    await init_db(settings.database_url)
    try:
        region = await Region.get(code=region_code)
        codes = dict(await Department.all().values_list("id", "code"))
        first = stats.day_number(month)
        last = stats.day_number((month + timedelta(days=32)).replace(day=1) - timedelta(days=1))
        sums: dict[str, dict[str, int]] = {}
        tally = await stats.recount(settings.zone)
        for (day, _, region_id, department_id), values in tally.department_day.items():
            if region_id == region.id and first <= day <= last:
                row = sums.setdefault(codes[department_id], dict.fromkeys(DEPARTMENT_METRICS, 0))
                for name, value in zip(DEPARTMENT_METRICS, values, strict=True):
                    row[name] += value
        return sums
    finally:
        await close_db()


def test_the_department_report_ranks_only_departments_with_enough_volume(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a month of generated history in 延吉市, whose departments served it unevenly
    month = _last_full_month()
    expected = asyncio.run(_recounted_volumes(cli_env, "222401", month))
    volumes = sorted(row["responses_due"] for row in expected.values())
    assert len(volumes) >= 3, volumes
    assert volumes[0] < volumes[-1], volumes
    minimum = volumes[len(volumes) // 2]

    # When the month's report is exported with that minimum volume
    output = tmp_path / "report.xlsx"
    command = ["export", "department-report", "--region", "222401"]
    command += ["--month", month.strftime("%Y-%m"), "--output", str(output)]
    command += ["--min-volume", str(minimum), "--language", "en"]
    assert main(command) == 0
    assert "wrote" in capsys.readouterr().out

    # Then every department that served the city has a line with the recounted figures
    header, *rows = read_xlsx(output.read_bytes())
    *lines, total = [dict(zip(header, r, strict=True)) for r in rows]
    assert total["Department"] == "Yanji City total"
    assert len(lines) == len(expected)
    assert sum(line["Responses due"] for line in lines) == sum(volumes)
    # and those with fewer responses due than the minimum have no rank and come last
    ranked = [line for line in lines if line["Rank"] is not None]
    unranked = [line for line in lines if line["Rank"] is None]
    assert ranked
    assert unranked
    assert [line["Rank"] for line in ranked] == list(range(1, len(ranked) + 1))
    assert lines[: len(ranked)] == ranked
    assert all(line["Responses due"] >= minimum for line in ranked)
    assert all(line["Responses due"] < minimum for line in unranked)
    assert all(
        line["Note"] == f"Fewer than {minimum} responses due: not ranked" for line in unranked
    )
    # and the ranked ones run from the best response rate down
    rates = [line["Response rate"] for line in ranked]
    assert rates == sorted(rates, reverse=True)
    for line in lines:
        due, on_time = line["Responses due"], line["Responses on time"]
        assert line["Response rate"] == pytest.approx(on_time / due, abs=1e-4)


async def test_a_large_export_holds_a_batch_not_the_whole_result(
    history: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Peak memory while exporting thousands of cases follows the batch, and stays far
    below what the cases take when they are all loaded at once."""
    monkeypatch.setattr(export_rows, "BATCH", 100)  # twenty batches for the 2,000 cases
    await init_db(history.database_url)
    try:
        region = await Region.get(code="222400")
        draft = ExportDraft(
            kind=ExportKind.CASES,
            region_id=region.id,
            format=ExportFormat.CSV,
            start=_whole_history()[0],
            end=_whole_history()[1],
        )
        plan, _ = await plan_export(COMMAND_LINE, draft)

        async def table() -> export_rows.Table:
            return await open_table(COMMAND_LINE, plan, history.zone)

        async def stream_csv() -> int:
            size = 0
            async for chunk in csv_chunks(await table()):
                size += len(chunk)
            return size

        await stream_csv()  # warm up: caches of the ORM and the driver are not the export's

        tracemalloc.start()
        try:
            size = await stream_csv()
            streamed = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            await write_xlsx(await table(), Path(history.data_dir) / "all.xlsx")
            written = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            held = await Case.all()  # what an export that loads its result at once holds
            holding = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

        assert len(held) == GENERATED_CASES
        assert size > 100 * GENERATED_CASES
        print(f"peak: streaming {streamed:,} B, xlsx {written:,} B, holding {holding:,} B")
        assert streamed < holding / 4
        assert written < holding / 4
    finally:
        await close_db()
