"""Reports that arrive together: each is written whole (case, timeline entry, event, counters)
and answered with its own case; on PostgreSQL they share a transaction and its statements
(workflow.new_cases), and a report that fails there fails alone."""

from __future__ import annotations

import asyncio
from typing import Any

from strawberry.relay import GlobalID

from grassroots.db import is_postgres
from grassroots.models import Case, CaseEvent, Category, Event, StatusCount

from . import flows, lookup
from .client import Api
from .operations import INTAKE_CASE, REPORT_CASE

REPORTS = 24
METER_TITLE = "열량계 고장 热量表坏了"


async def the_grid(api: Api) -> dict[str, Any]:
    community = await lookup.region(api, "COMMUNITY", "延青社区")
    return (await lookup.grids_of(api, community["id"]))[0]


def report(grid: dict[str, Any], category: str, title: str) -> dict[str, Any]:
    return {
        "input": {
            "title": title,
            "description": "확인 부탁드립니다 请核实处理",
            "categoryId": category,
            "regionId": grid["id"],
        }
    }


def hotline_call(grid: dict[str, Any], category: str, ref: str) -> dict[str, Any]:
    call = report(grid, category, f"전화 접수 电话受理 {ref}")
    call["input"] |= {"source": "HOTLINE_12345", "externalRef": ref}
    return call


async def reported_here(grid: dict[str, Any]) -> int:
    region_id = int(GlobalID.from_id(grid["id"]).node_id)
    count = await StatusCount.get_or_none(region_id=region_id, status="REPORTED")
    return count.n if count else 0


async def test_reports_arriving_together_are_each_written_whole(app: Any, api: Api) -> None:
    # Given residents and the hotline, and the grid's count of open reports
    grid, leak = await the_grid(api), await lookup.category(api, "heating.pipe-leak")
    resident, hotline = await api.login("resident1"), await flows.hotline_token(api)
    before = await reported_here(grid)
    first_seq = (await Event.all().order_by("-seq").first()).seq  # type: ignore[union-attr]

    # When 24 reports arrive at once, half of them pushed in by the hotline
    calls = [
        (REPORT_CASE, report(grid, leak, f"누수 漏水 {i}"), resident)
        if i % 2
        else (INTAKE_CASE, hotline_call(grid, leak, f"12345-{i}"), hotline)
        for i in range(REPORTS)
    ]
    answers = await asyncio.gather(*(api.run(op, v, token=t) for op, v, t in calls))

    # Then each caller has its own case, numbered one after another
    cases = [flows.ok(next(iter(a.values())))["case"] for a in answers]
    numbers = sorted(int(c["number"].rsplit("-", 1)[1]) for c in cases)
    assert numbers == list(range(numbers[0], numbers[0] + REPORTS))
    # with its title, and the one REPORTED step its own timeline shows
    for case, (_, sent, _) in zip(cases, calls, strict=True):
        assert case["title"] == sent["input"]["title"]
        assert [step["kind"] for step in case["timeline"]] == ["REPORTED"]
    # and each has its event, which names that case and that timeline entry, in one run of
    # sequence numbers with nothing else between
    events = await Event.filter(seq__gt=first_seq, kind="case.reported").order_by("seq")
    assert [e.seq for e in events] == list(range(first_seq + 1, first_seq + 1 + REPORTS))
    for event in events:
        case = await Case.get(id=event.payload["caseId"])
        step = await CaseEvent.get(id=event.payload["timelineId"])
        assert (event.subject_id, event.payload["number"]) == (case.id, case.number)
        assert (step.case_id, step.kind.value) == (case.id, "REPORTED")
    # and the dashboard counts every one of them
    assert await reported_here(grid) == before + REPORTS
    if is_postgres():  # where they shared transactions
        assert app.state.rt.new_cases.batched_cases > 1


async def test_a_report_that_fails_among_others_fails_alone(app: Any, api: Api) -> None:
    # Given a category that the process has read and an operator then deleted
    grid, leak = await the_grid(api), await lookup.category(api, "heating.pipe-leak")
    added = await Category.create(
        code="heating.meter", name_ko="열량계", name_zh="热量表", name_en="Heat meter"
    )
    meter = await lookup.category(api, "heating.meter")
    assert await app.state.rt.categories.get(added.id) is not None
    await Category.filter(id=added.id).delete()
    resident = await api.login("resident1")

    # When a report in it arrives among nine good ones
    titles = [f"누수 漏水 {i}" for i in range(9)]
    calls = [report(grid, leak, title) for title in titles]
    calls.insert(5, report(grid, meter, METER_TITLE))
    answers = [
        a["reportCase"]
        for a in await asyncio.gather(
            *(api.run(REPORT_CASE, call, token=resident) for call in calls)
        )
    ]

    # Then it alone is refused, naming the field, and makes no case
    refused = answers.pop(5)
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("categoryId", "NOT_FOUND")]
    assert not await Case.filter(title=METER_TITLE).exists()
    # while the nine others are taken, each once
    assert [flows.ok(a)["case"]["title"] for a in answers] == titles
    assert await Case.filter(title__in=titles).count() == 9
    if is_postgres():  # where it shared a batch, which failed and was written case by case
        assert app.state.rt.new_cases.rewritten_alone > 1


async def test_a_hotline_call_sent_twice_among_others_makes_one_case(app: Any, api: Api) -> None:
    # Given the hotline
    grid, leak = await the_grid(api), await lookup.category(api, "heating.pipe-leak")
    hotline = await flows.hotline_token(api)
    await flows.report(api)

    # When eight calls arrive at once, one of them twice
    refs = [f"12345-{i}" for i in range(7)] + ["12345-3"]
    answers = await asyncio.gather(
        *(api.run(INTAKE_CASE, hotline_call(grid, leak, ref), token=hotline) for ref in refs)
    )

    # Then seven cases are made, and the repeat is answered with its first call's case
    payloads = [flows.ok(a["intakeCase"]) for a in answers]
    assert [p["created"] for p in payloads].count(True) == 7
    assert payloads[7]["case"]["id"] == payloads[3]["case"]["id"]
    assert await Case.filter(external_ref__startswith="12345-").count() == 7
    # without failing the others' batch (on PostgreSQL, where they share one)
    assert app.state.rt.new_cases.rewritten_alone == 0
    # and without spending a case number: the next report takes the one after the seventh
    numbers = sorted(int(p["case"]["number"].rsplit("-", 1)[1]) for p in payloads)
    after = await flows.report_payload(api)
    assert int(after["case"]["number"].rsplit("-", 1)[1]) == numbers[-1] + 1
