"""`grassroots generate`: bulk history whose rows and counters are what the workflow would have
written, so the workflow, the API and the dashboard carry on over it."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from grassroots.app import create_app
from grassroots.cli import main
from grassroots.demo.cast import Cast
from grassroots.models import Case, CaseEvent, Counter, Event, Whistle, WhistleResponse
from grassroots.models.enums import CaseStatus, Satisfaction, WhistleStatus
from grassroots.settings import Settings
from grassroots.workflow.auth import load_actor
from grassroots.workflow.cases import claim_case, rate_case
from grassroots.workflow.escalation import escalate_overdue

from .client import Api
from .test_dashboard import DASHBOARD, assert_counters_match_a_recount

GENERATE = ["generate", "--cases", "400", "--years", "0.5", "--seed", "7"]
CITY_CASES = """
query City($regionId: ID!) {
  cases(first: 5, filter: {regionId: $regionId}) {
    totalCount
    edges { node { number status timeline { kind statusAfter } whistles { status
      responses { claimedAt onTime department { code } } } departments { role } } }
  }
}
"""
REGIONS = "{ regions(level: CITY) { id nameZh } }"


@pytest.fixture
def generated(cli_database: Settings, capsys: pytest.CaptureFixture[str]) -> Settings:
    assert main(GENERATE) == 0
    assert "generated 400 cases (ids 1–400)" in capsys.readouterr().out
    return cli_database


@pytest.fixture
async def served(generated: Settings) -> AsyncIterator[tuple[Api, object]]:
    app = create_app(generated, run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield Api(http), app


async def test_generate_adds_history_in_every_stage_with_matching_counters(
    served: tuple[Api, object],
) -> None:
    # Given `grassroots generate --cases 400` on an empty database (the fixture)

    # Then the demo city is there with 400 cases, open ones and finished ones
    statuses = Tally(str(s) for s in await Case.all().values_list("status", flat=True))
    assert sum(statuses.values()) == 400
    assert statuses["CLOSED"] > 200
    assert statuses["REJECTED"] > 0
    assert statuses["MERGED"] > 0
    open_ = sum(statuses[s] for s in ("REPORTED", "ACCEPTED", "DISPATCHED", "IN_PROGRESS"))
    assert open_ > 0

    # and every case starts with its report, and the cases' log runs in time order (after
    # whatever the demo city logged when it was built)
    first_steps = await CaseEvent.filter(kind="REPORTED").count()
    assert first_steps == 400
    logged = Event.filter(subject_type="Case").order_by("seq")
    events = await logged.values_list("created_at", flat=True)
    assert events == sorted(events)  # type: ignore[type-var]
    assert len(events) == await CaseEvent.all().count()

    # and case numbers are unique and the yearly counters continue after them
    numbers = await Case.all().values_list("number", flat=True)
    assert len(set(numbers)) == 400
    by_year = Tally(str(n).split("-")[1] for n in numbers)
    for year, count in by_year.items():
        assert (await Counter.get(name=f"case:{year}")).value == count

    # and every counter equals a recount from the generated rows
    await assert_counters_match_a_recount()


async def test_the_workflow_carries_on_over_generated_cases(served: tuple[Api, object]) -> None:
    api, app = served
    rt = app.state.rt  # type: ignore[attr-defined]
    cast = await Cast.load()

    # When the lead summoned to a generated dispatched case claims it (late or not: which
    # generated whistles are overdue depends on the hour the test runs)
    whistle = await Whistle.filter(status=WhistleStatus.OPEN).order_by("id").first()
    assert whistle is not None
    summoned = WhistleResponse.filter(whistle_id=whistle.id)
    response = await summoned.order_by("-designated_lead", "id").first()
    assert response is not None
    department = cast.department_actor(response.department_id)
    outcome = await claim_case(
        rt, department, whistle.case_id, department_id=response.department_id
    )
    assert outcome.case.status is CaseStatus.IN_PROGRESS

    # and the scheduler runs over the generated whistles that fell due
    await escalate_overdue(rt)

    # and a generated resolved case is rated
    resolved = await Case.filter(status=CaseStatus.RESOLVED).order_by("id").first()
    assert resolved is not None
    if resolved.reporter_id is not None:
        rater = await load_actor(await resolved.reporter)  # type: ignore[arg-type]
    else:
        rater = cast.staff_for(resolved.region_id)
    rated = await rate_case(rt, rater, resolved.id, satisfaction=Satisfaction.SATISFIED)
    assert rated.status is CaseStatus.CLOSED

    # Then the counters still equal a recount
    await assert_counters_match_a_recount()

    # and the API shows the generated cases and the city's dashboard
    yanji = next(r for r in (await api.run(REGIONS))["regions"] if r["nameZh"] == "延吉市")
    cases = (await api.as_user("admin", CITY_CASES, {"regionId": yanji["id"]}))["cases"]
    assert cases["edges"][0]["node"]["timeline"][0]["kind"] == "REPORTED"
    board = (await api.as_user("admin", DASHBOARD, {"regionId": yanji["id"]}))["dashboard"]
    assert board["total"] == cases["totalCount"]
    assert (
        board["open"]
        == await Case.filter(
            status__in=["REPORTED", "ACCEPTED", "DISPATCHED", "IN_PROGRESS"],
            region_path__startswith=(await _path(yanji["id"])),
        ).count()
    )
    assert len(board["latestEvents"]) == 20


async def _path(global_id: str) -> str:
    from grassroots.graphql.errors import decode_id
    from grassroots.models import Region

    return (await Region.get(id=decode_id(global_id, "Region", "regionId"))).path


def test_generating_again_adds_to_what_is_there(
    generated: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a database with 400 generated cases, When 100 more are generated
    assert main(["generate", "--cases", "100", "--years", "0.1", "--seed", "8"]) == 0

    # Then ids and numbers carry on from there
    assert "generated 100 cases (ids 401–500)" in capsys.readouterr().out

    import asyncio

    from grassroots.db import close_db, init_db

    async def check() -> None:
        await init_db(generated.database_url)
        try:
            numbers = await Case.all().values_list("number", flat=True)
            assert len(numbers) == len(set(numbers)) == 500
            await assert_counters_match_a_recount()
        finally:
            await close_db()

    asyncio.run(check())


def test_rebuild_stats_recounts_the_counters(
    generated: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from grassroots.db import close_db, init_db
    from grassroots.models import StatusCount

    async def spoil_or_check(spoil: bool) -> None:
        await init_db(generated.database_url)
        try:
            if spoil:  # as if the counters were added to a database that had cases already
                await StatusCount.all().delete()
            else:
                await assert_counters_match_a_recount()
        finally:
            await close_db()

    # Given counters that went missing, When rebuild-stats runs, Then they match again
    asyncio.run(spoil_or_check(spoil=True))
    assert main(["rebuild-stats"]) == 0
    assert "recounted" in capsys.readouterr().out
    asyncio.run(spoil_or_check(spoil=False))


def test_generate_refuses_nonsense(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRASSROOTS_DATA_DIR", str(tmp_path))
    assert main(["generate", "--cases", "-1"]) == 2
    assert main(["generate", "--cases", "10", "--years", "0"]) == 2
