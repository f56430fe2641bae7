"""Dashboard benchmark: build_dashboard on a database of a million cases.

    python bench/dashboard.py [--data DIR] [--cases N] [--years Y] [--runs R]

The first run creates DIR/grassroots.db (default bench/.data/dashboard-1m) with the demo city
and N generated cases (`grassroots generate`, default 1,000,000 over 3 years, some minutes);
later runs reuse it. Then it times build_dashboard for the city (延吉市) and a community
(延青社区), R runs each after a warm-up, at the moment the generated history ends, and the
same through GraphQL (schema execution with the full dashboard query, as an admin).

Targets: median < 50 ms for the city, < 20 ms for the community. Figures only; never a test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from grassroots.db import close_db, connection, init_db
from grassroots.demo.generate import ProgressBar, generate
from grassroots.models import Account, Case, Event, Region
from grassroots.settings import Settings
from grassroots.workflow.dashboard import build_dashboard
from grassroots.workflow.runtime import Runtime

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / ".data" / "dashboard-1m"
TARGETS_MS = {"延吉市": 50.0, "延青社区": 20.0}
RATES = "responseRate resolutionRate satisfactionRate responsesDue meanMinutesToClaim"
QUERY = f"""
query Dashboard($regionId: ID!) {{
  dashboard(regionId: $regionId) {{
    total open newToday closedToday overdue byStatus {{ status count }}
    rates {{ today {{ {RATES} }} last7Days {{ {RATES} }} last30Days {{ {RATES} }} }}
    topCategories {{ reported category {{ code name(locale: "zh") }} }}
    sources {{ source reported }}
    departmentRanking {{ rank department {{ name(locale: "zh") }} rates {{ {RATES} }} }}
    grids {{ open overdue reported30Days grid {{ id name(locale: "zh") centerLat centerLng }} }}
    trend {{ day reported closed }}
    latestEvents {{ seq kind createdAt payload }}
  }}
}}
"""


def _figures(name: str, times: list[float], target: float | None) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    median = statistics.median(times)
    verdict = ""
    if target is not None:
        verdict = f"  target median < {target:.0f} ms: {'met' if median < target else 'MISSED'}"
    return (
        f"{name:<28} median {median:7.2f} ms   p95 {p95:7.2f} ms   "
        f"min {times[0]:7.2f}   max {times[-1]:7.2f}{verdict}"
    )


async def _ensure_data(settings: Settings, cases: int, years: float) -> None:
    await init_db(settings.database_url)
    have = await Case.all().count()
    if have >= cases:
        print(f"reusing {settings.database_url.removeprefix('sqlite://')} ({have:,} cases)")
        return
    if have:
        raise SystemExit(
            f"{settings.data_dir} holds {have:,} cases, fewer than {cases:,}: "
            "delete it (or pass another --data) to generate afresh"
        )
    print(f"generating {cases:,} cases into {settings.data_dir} (once; reused later)")
    bar = ProgressBar(cases)
    result = await generate(Runtime.create(settings), cases=cases, years=years, progress=bar)
    bar.close(result.cases)
    print(
        f"generated {result.cases:,} cases, {sum(result.rows.values()):,} rows "
        f"in {result.seconds:.0f}s ({result.cases_per_second:,.0f} cases/s)"
    )


async def _time(runs: int, call: Any) -> list[float]:
    for _ in range(3):
        await call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _size(db_file: Path) -> int:
    files = [Path(f"{db_file}{suffix}") for suffix in ("", "-wal")]
    return sum(f.stat().st_size for f in files if f.exists())


async def main(data: Path, cases: int, years: float, runs: int) -> None:
    settings = Settings.from_env(environ={"GRASSROOTS_DATA_DIR": str(data)})
    await _ensure_data(settings, cases, years)
    try:
        from grassroots.clock import FrozenClock
        from grassroots.graphql.context import Context
        from grassroots.graphql.schema import build_schema
        from grassroots.workflow.auth import load_actor

        last = await Event.all().order_by("-seq").first()
        now = last.created_at if last else datetime.now().astimezone()
        size = _size(Path(settings.database_url.removeprefix("sqlite://")))
        _, rows = await connection().execute_query('SELECT COUNT(*) FROM "event"')
        print(
            f"database: {await Case.all().count():,} cases, {rows[0][0]:,} events, "
            f"{size / 2**30:.2f} GiB; dashboards at {now.isoformat()} ({settings.timezone})"
        )
        rt = Runtime.create(settings, FrozenClock(now))
        schema = build_schema(settings)
        admin = await load_actor(await Account.get(username="admin"))
        for name, target in TARGETS_MS.items():
            region = await Region.get(name_zh=name)
            board = await build_dashboard(region, now, settings.zone)
            times = await _time(runs, lambda r=region: build_dashboard(r, now, settings.zone))
            print(_figures(f"build_dashboard {name}", times, target))

            async def query(region_id: str = f"Region:{region.id}") -> None:
                import base64

                gid = base64.b64encode(region_id.encode()).decode()
                result = await schema.execute(
                    QUERY,
                    variable_values={"regionId": gid},
                    context_value=Context(rt=rt, actor=admin),
                )
                assert result.errors is None, result.errors

            print(_figures(f"GraphQL dashboard {name}", await _time(runs, query), None))
            print(
                f"  {name}: {board.total:,} cases, {board.open:,} open, {board.overdue:,} overdue, "
                f"{board.new_today:,} new today, {len(board.grids)} grids, "
                f"{len(board.department_ranking)} ranked departments"
            )
    finally:
        await close_db()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of the database")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(args.data, args.cases, args.years, args.runs))
    sys.exit(0)
