"""Intake benchmark: intakeCase and reportCase sustained from concurrent clients, each case
durable before it is acknowledged.

    python bench/intake.py [--database sqlite|postgres|both] [--connections 32] [--seconds 20]

Each case is written in one transaction with its timeline entry, its event-log row and
the dashboard counters. On SQLite (synchronous=FULL: every COMMIT waits for the disk)
concurrent transactions are group-committed (backend/grassroots/group_commit.py); on PostgreSQL (a
throwaway cluster with fsync and synchronous_commit on) concurrent new cases are written
together, a statement per table (backend/grassroots/workflow/new_cases.py).

ONE `grassroots serve` process on a fresh demo city; wrk keeps `--connections` clients busy,
closed loop: half push 12345-hotline cases in with an INTEGRATION token (intakeCase, a new
externalRef each), half report as resident1 (reportCase). After the run the database is
counted: every acknowledged case must be there. The anchor, in the same run: stock
Strawberry + Tortoise writing one row per mutation to SQLite without fsync
(bench/anchors.py stock-mutation), under the same load.

Targets: at least 500 durable cases/s on SQLite with p99 under 100 ms; no slower on
PostgreSQL. A stock Strawberry mutation writing one row reached about 500/s here without
fsync. Figures only; never a test.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpload as hl
import pgcluster

TARGET_CASES_PER_S = 500.0
TARGET_P99_MS = 100.0
STOCK_ROWS_PER_S = 500.0

REGIONS = "query R($level: RegionLevel) { regions(level: $level) { id nameZh parent { id } } }"
CATEGORIES = "{ categories { id code } }"
CREATE_TOKEN = """
mutation Token($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token userErrors { field message } }
}
"""
INTAKE = """
mutation Intake($input: IntakeCaseInput!) {
  intakeCase(input: $input) { created case { id number } userErrors { field message code } }
}
"""
REPORT = """
mutation Report($input: ReportCaseInput!) {
  reportCase(input: $input) { case { id number } userErrors { field message code } }
}
"""
ADD_NOTE = 'mutation { addNote(text: "벤치마크 基准 {n}") { id } }'
GOOD = '"userErrors":[]'


@dataclass
class Result:
    backend: str
    load: hl.Load
    cases_in_database: int = 0

    @property
    def acknowledged(self) -> int:
        return sum(self.load.good)


def requests(base: str) -> list[hl.Request]:
    """The intake and the report request, as wrk sends them."""
    regions = hl.graphql(base, REGIONS, {"level": "COMMUNITY"})["regions"]
    community = next(r["id"] for r in regions if r["nameZh"] == "延青社区")
    city = next(
        r["id"]
        for r in hl.graphql(base, REGIONS, {"level": "CITY"})["regions"]
        if r["nameZh"] == "延吉市"
    )
    grids = hl.graphql(base, REGIONS, {"level": "GRID"})["regions"]
    grid = next(r["id"] for r in grids if r["parent"]["id"] == community)
    categories = hl.graphql(base, CATEGORIES)["categories"]
    category = next(c["id"] for c in categories if c["code"] == "heating.pipe-leak")
    admin = hl.login(base, "admin")
    made = hl.graphql(
        base,
        CREATE_TOKEN,
        {
            "input": {
                "name": f"bench-hotline-{secrets.token_hex(3)}",
                "role": "INTEGRATION",
                "regionId": city,
                "scopes": ["cases:intake"],
            }
        },
        admin,
    )["createApiToken"]
    if made["userErrors"]:
        raise RuntimeError(made["userErrors"])
    hotline, resident = made["token"], hl.login(base, "resident1")
    case = {
        "title": "난방관 누수 暖气管道漏水 {n}",
        "description": "3동 2단원 난방이 안 됩니다 3栋2单元暖气不热, 벤치마크 基准测试",
        "categoryId": category,
        "regionId": grid,
    }
    intake = {
        "query": INTAKE,
        "variables": {
            "input": {
                **case,
                "source": "HOTLINE_12345",
                "externalRef": "bench-{n}",
                "callerName": "김철수",
                "callerPhone": "13800001234",
            }
        },
    }
    report = {"query": REPORT, "variables": {"input": case}}
    return [
        hl.Request(json.dumps(intake), {"Authorization": f"Bearer {hotline}"}, good=GOOD),
        hl.Request(json.dumps(report), {"Authorization": f"Bearer {resident}"}, good=GOOD),
    ]


def check_once(base: str, request: hl.Request) -> None:
    body = json.loads(request.body.replace("{n}", "check"))
    token = request.headers["Authorization"].removeprefix("Bearer ")
    data = hl.graphql(base, body["query"], body["variables"], token)
    payload = next(iter(data.values()))
    if payload["userErrors"]:
        raise RuntimeError(payload["userErrors"])


def run_ours(backend: str, args: argparse.Namespace, work: Path) -> Result:
    cluster: pgcluster.DurableCluster | None = None
    env: dict[str, str] = {}
    data_dir = work / backend
    if backend == "postgres":
        cluster = pgcluster.DurableCluster()
        cluster.start()
        env["GRASSROOTS_DATABASE_URL"] = cluster.create("grassroots")
    try:
        hl.log(f"{backend}: demo city")
        hl.make_demo(data_dir, **env)
        with hl.ours(data_dir, work, args.server_cpus, **env) as server:
            batch = requests(server.base)
            for request in batch:
                check_once(server.base, request)
            common: dict[str, Any] = {"connections": args.connections, "cpus": args.load_cpus}
            if cluster is not None:  # part of what is measured, not a disturbance
                common["database_cpu"] = cluster.cpu_seconds
            hl.log(f"{backend}: warm-up, then {args.seconds:g} s with {args.connections} clients")
            hl.run_wrk("warm-up", server, batch, seconds=args.warmup, **common)
            before = count_cases(data_dir, env)
            load = hl.run_wrk(backend, server, batch, seconds=args.seconds, **common)
        result = Result(backend, load)
        result.cases_in_database = count_cases(data_dir, env) - before
        hl.log(
            f"{backend}: {load.good_rps:,.0f} cases/s, p99 {load.p99_ms:.1f} ms; "
            f"{load.machine_line()}"
        )
        return result
    finally:
        if cluster is not None:
            cluster.stop()


def count_cases(data_dir: Path, env: dict[str, str]) -> int:
    url = env.get("GRASSROOTS_DATABASE_URL")
    if url:
        return pgcluster.count(url, 'SELECT count(*) FROM "case"')
    with sqlite3.connect(data_dir / "grassroots.db") as db:
        return int(db.execute('SELECT count(*) FROM "case"').fetchone()[0])


def run_anchor(args: argparse.Namespace, work: Path) -> hl.Load:
    db = work / "stock.db"
    with hl.anchor("stock-mutation", work, "--db", str(db), cpus=args.server_cpus) as server:
        request = hl.Request(json.dumps({"query": ADD_NOTE}), good='"addNote":{"id":')
        common: dict[str, Any] = {"connections": args.connections, "cpus": args.load_cpus}
        hl.run_wrk("warm-up", server, [request], seconds=args.warmup, **common)
        load = hl.run_wrk("stock", server, [request], seconds=args.seconds, **common)
    hl.log(f"anchor: {load.good_rps:,.0f} rows/s; {load.machine_line()}")
    return load


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--database",
        choices=["sqlite", "postgres", "both"],
        default="both",
        help="both: PostgreSQL too when its server is installed (default)",
    )
    p.add_argument("--connections", type=int, default=32, help="concurrent clients")
    p.add_argument("--seconds", type=float, default=20.0, help="the measured run")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load before it")
    p.add_argument("--pin", action="store_true", help="server on CPU 0, wrk on the others")
    p.add_argument("--keep", action="store_true", help="keep the data dirs")
    args = p.parse_args()
    args.server_cpus, args.load_cpus = hl.cpu_sets(args.pin)
    backends = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    if args.database == "both" and pgcluster.binaries() is None:
        hl.log("no PostgreSQL server installed: SQLite only")
        backends = ["sqlite"]

    work = hl.temp_dir("intake-")
    try:
        anchor = run_anchor(args, work)
        results = [run_ours(backend, args, work) for backend in backends]
    finally:
        hl.remove(work, args.keep)
    report(results, anchor, args)


def report(results: list[Result], anchor: hl.Load, args: argparse.Namespace) -> None:
    print(
        f"\nIntake: intakeCase + reportCase from {args.connections} concurrent clients "
        f"(half each), one server process, {args.seconds:g} s; every case durable "
        "(SQLite synchronous=FULL, PostgreSQL fsync + synchronous_commit) before its answer"
    )
    sqlite = next((r for r in results if r.backend == "sqlite"), None)
    rows: list[tuple[str, str, str, str]] = []
    for r in results:
        load = r.load
        name = r.backend
        if name == "sqlite":
            rate_target = f">= {TARGET_CASES_PER_S:g}/s  {hl.verdict(load.good_rps >= 500)}"
            p99_target = f"< {TARGET_P99_MS:g} ms  {hl.verdict(load.p99_ms < TARGET_P99_MS)}"
        else:
            floor = sqlite.load.good_rps if sqlite else TARGET_CASES_PER_S
            rate_target = f">= SQLite's {floor:,.0f}/s  {hl.verdict(load.good_rps >= floor)}"
            p99_target = f"< {TARGET_P99_MS:g} ms  {hl.verdict(load.p99_ms < TARGET_P99_MS)}"
        anchor_rate = f"{anchor.good_rps:,.0f} rows/s" if name == "sqlite" else ""
        rows += [
            (f"{name}: durable cases/s", f"{load.good_rps:,.0f}", anchor_rate, rate_target),
            (
                "  intake / report per s",
                " / ".join(f"{g / load.seconds:,.0f}" for g in load.good),
                "",
                "",
            ),
            (
                "  latency p50 / p99",
                f"{load.p50_ms:.1f} / {load.p99_ms:.1f} ms",
                f"{anchor.p50_ms:.1f} / {anchor.p99_ms:.1f} ms" if name == "sqlite" else "",
                p99_target,
            ),
            (
                "  acknowledged, in the database",
                f"{r.acknowledged:,} / {r.cases_in_database:,}",
                "",
                "all acknowledged kept  " + hl.verdict(r.cases_in_database >= r.acknowledged),
            ),
            (
                "  failed requests",
                str(load.requests - r.acknowledged + load.socket_errors),
                str(anchor.requests - sum(anchor.good) + anchor.socket_errors)
                if name == "sqlite"
                else "",
                "0",
            ),
            (
                "  server CPU per case",
                f"{load.server_cpu_s / max(1, load.requests) * 1e3:.2f} ms",
                f"{anchor.server_cpu_s / max(1, anchor.requests) * 1e3:.2f} ms"
                if name == "sqlite"
                else "",
                "",
            ),
        ]
        if load.database_cpu_s:
            per_case = load.database_cpu_s / max(1, load.requests) * 1e3
            rows.append(("  PostgreSQL's CPU per case", f"{per_case:.2f} ms", "", ""))
    hl.print_table("figures (anchor: stock Strawberry, one row per mutation, no fsync)", rows)
    print(f"  stock Strawberry writing one row reached about {STOCK_ROWS_PER_S:g}/s here")
    for r in results:
        print(f"  {r.backend}: {r.load.machine_line()}")
    print(f"  anchor: {anchor.machine_line()}")


if __name__ == "__main__":
    main()
