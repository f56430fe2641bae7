"""Case page benchmark: a page of 50 cases with their category, region path, departments and
last event, against a flat 50-row Strawberry read of the same table, over a database of
1,000,000 cases.

    python bench/case_page.py [--cases N] [--data DIR] [--connections 16] [--seconds 15]

The database is made once with `grassroots generate --cases N` (1,000,000 take ~11 minutes)
and cached in bench/.data/cases-N (for N = 1,000,000 the dashboard benchmark's database,
bench/.data/dashboard-1m, is used when it is there); `--cases 20000` makes a quick run.

ONE server process (grassroots without the escalation scheduler, bench/serve_quiet.py, so
the generated history stays as it is) answers the `cases(first: 50)` page as `admin` (the
whole prefecture, newest first) and as `community1` (one community's subtree); wrk keeps
`--connections` clients busy. The anchor, in the same run: stock Strawberry + Tortoise
reading 50 rows of the cases table, their own columns only, newest first
(bench/anchors.py flat-read), under the same load.

Target: the admin's page at least 70% of the anchor's requests/s. Figures only; never a test.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import graphql
import httpload as hl

TARGET_SHARE = 0.70
PAGE = """
query Page($first: Int!) {
  cases(first: $first) {
    edges { cursor node {
      id number title status createdAt
      category { name(locale: "zh") }
      regionPath { nameZh }
      departments { role department { name(locale: "zh") } }
      lastEvent { kind createdAt }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# The same cases' own columns, nothing related.
FLAT = "{ cases(first: 50) { id number title status createdAt } }"
GOOD_PAGE = '"pageInfo":{"hasNextPage":true'
GOOD_FLAT = '{"data":{"cases":[{"id":'
VIEWERS = ("admin", "community1")
# The page's shape, for graphql-core alone over the page's own data held in memory.
PAGE_SHAPE = """
type Named { name(locale: String): String nameZh: String }
type Assignment { role: String department: Named }
type Step { kind: String createdAt: String }
type Case {
  id: ID number: String title: String status: String createdAt: String category: Named
  regionPath: [Named!]! departments: [Assignment!]! lastEvent: Step
}
type Edge { cursor: String node: Case }
type PageInfo { hasNextPage: Boolean endCursor: String }
type Page { edges: [Edge!]! pageInfo: PageInfo }
type Query { cases(first: Int): Page }
"""


def execution_floor(data: dict[str, Any], runs: int = 200) -> float:
    """CPU ms per page that graphql-core's general executor alone spends executing PAGE over
    `data` held in memory (dicts, default resolvers): what a server on that executor could
    not take away, whatever its resolvers and queries."""
    schema = graphql.build_schema(PAGE_SHAPE)
    document = graphql.parse(PAGE)
    root, variables = {"cases": data}, {"first": 50}
    assert not graphql.execute(schema, document, root, variable_values=variables).errors  # type: ignore[union-attr]
    started = time.process_time()
    for _ in range(runs):
        graphql.execute(schema, document, root, variable_values=variables)
    return (time.process_time() - started) / runs * 1e3


def database_dir(cases: int, data: Path | None) -> Path:
    if data is not None:
        return data
    shared = hl.DATA / "dashboard-1m"
    if cases == 1_000_000 and count_cases(shared) >= cases:
        return shared
    return hl.DATA / f"cases-{cases}"


def count_cases(data_dir: Path) -> int:
    db = data_dir / "grassroots.db"
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            return int(conn.execute('SELECT count(*) FROM "case"').fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def ensure_database(data_dir: Path, cases: int) -> None:
    have = count_cases(data_dir)
    if have >= cases:
        hl.log(f"reusing {data_dir / 'grassroots.db'} ({have:,} cases)")
        return
    if have:
        raise SystemExit(
            f"{data_dir} holds {have:,} cases, fewer than {cases:,}: delete it (or pass another "
            "--data) to generate afresh"
        )
    hl.log(f"generating {cases:,} cases into {data_dir} (once; later runs reuse it)")
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [*hl.grassroots_command(), "generate", "--cases", str(cases)],
        env=hl.bench_env(data_dir),
        check=True,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", type=int, default=1_000_000, help="cases in the database")
    p.add_argument("--data", type=Path, help="directory of the database (default: by --cases)")
    p.add_argument("--connections", type=int, default=16, help="wrk's keep-alive connections")
    p.add_argument("--seconds", type=float, default=15.0, help="each measured run")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load before each")
    p.add_argument("--pin", action="store_true", help="server on CPU 0, wrk on the others")
    args = p.parse_args()
    server_cpus, load_cpus = hl.cpu_sets(args.pin)
    data_dir = database_dir(args.cases, args.data)
    ensure_database(data_dir, args.cases)
    db_file = data_dir / "grassroots.db"
    common: dict[str, Any] = {"connections": args.connections, "cpus": load_cpus}
    logs = hl.temp_dir("page-")
    try:
        with hl.anchor("flat-read", logs, "--db", str(db_file), cpus=server_cpus) as flat:
            request = hl.Request(json.dumps({"query": FLAT}), good=GOOD_FLAT)
            hl.run_wrk("warm-up", flat, [request], seconds=args.warmup, **common)
            anchor = hl.run_wrk("flat", flat, [request], seconds=args.seconds, **common)
            hl.log(f"anchor: {anchor.good_rps:,.0f} requests/s; {anchor.machine_line()}")
        loads: dict[str, hl.Load] = {}
        with hl.ours(data_dir, logs, server_cpus, quiet=True) as server:
            for viewer in VIEWERS:
                token = hl.login(server.base, viewer)
                page = hl.graphql(server.base, PAGE, {"first": 50}, token)["cases"]
                if len(page["edges"]) != 50:
                    raise RuntimeError(f"{viewer}: a page of {len(page['edges'])} cases")
                floor = execution_floor(page)
                body = json.dumps({"query": PAGE, "variables": {"first": 50}})
                request = hl.Request(body, {"Authorization": f"Bearer {token}"}, good=GOOD_PAGE)
                hl.run_wrk("warm-up", server, [request], seconds=args.warmup, **common)
                load = hl.run_wrk(viewer, server, [request], seconds=args.seconds, **common)
                loads[viewer] = load
                hl.log(f"{viewer}: {load.good_rps:,.0f} pages/s; {load.machine_line()}")
    finally:
        hl.remove(logs, keep=False)
    report(loads, anchor, count_cases(data_dir), floor, args)


def report(
    loads: dict[str, hl.Load],
    anchor: hl.Load,
    cases: int,
    floor: float,
    args: argparse.Namespace,
) -> None:
    print(
        f"\nCase page: cases(first: 50) with category, region path, departments and last event, "
        f"over {cases:,} cases; one server process each, wrk with {args.connections} "
        f"connections, {args.seconds:g} s per run"
    )
    rows: list[tuple[str, str, str, str]] = []
    for viewer, load in loads.items():
        share = load.good_rps / anchor.good_rps if anchor.good_rps else 0.0
        target = ""
        if viewer == "admin":
            target = f">= {TARGET_SHARE * 100:.0f}%  {hl.verdict(share >= TARGET_SHARE)}"
        rows += [
            (f"{viewer}: pages/s", f"{load.good_rps:,.0f}", f"{anchor.good_rps:,.0f}", ""),
            ("  share of the anchor", f"{share * 100:.0f}%", "100%", target),
            (
                "  latency p50 / p99",
                f"{load.p50_ms:.1f} / {load.p99_ms:.1f} ms",
                f"{anchor.p50_ms:.1f} / {anchor.p99_ms:.1f} ms",
                "",
            ),
            (
                "  server CPU per page",
                f"{load.server_cpu_s / max(1, load.requests) * 1e3:.2f} ms",
                f"{anchor.server_cpu_s / max(1, anchor.requests) * 1e3:.2f} ms",
                "",
            ),
            (
                "  failed requests",
                str(load.requests - sum(load.good) + load.socket_errors),
                str(anchor.requests - sum(anchor.good) + anchor.socket_errors),
                "0",
            ),
        ]
    hl.print_table("figures (anchor: stock Strawberry, 50 flat rows of the cases table)", rows)
    anchor_ms = anchor.server_cpu_s / max(1, anchor.requests) * 1e3
    print(
        f"  graphql-core's general executor alone, this document over the page's data in "
        f"memory: {floor:.2f} ms of CPU per page; the target leaves "
        f"{anchor_ms / TARGET_SHARE:.2f} ms for the whole request (the anchor's CPU per "
        "request / 70%): queries are walked on plans instead (graphql/planned.py)"
    )
    for viewer, load in loads.items():
        print(f"  {viewer}: {load.machine_line()}")
    print(f"  anchor: {anchor.machine_line()}")


if __name__ == "__main__":
    main()
