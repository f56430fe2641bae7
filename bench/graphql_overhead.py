"""GraphQL overhead benchmark: an authenticated `{ me { id } }` against a bare Starlette JSON
endpoint, in the same run, each ONE uvicorn process under the same wrk load.

    python bench/graphql_overhead.py [--connections 32] [--seconds 15] [--rounds 2] [--pin]

Ours is `grassroots serve` (production settings) on a fresh demo city: every request carries
resident1's bearer token, so it goes through authentication, the per-request context with its
dataloaders, the operation's caches and limits, the metrics and request-id middleware. The
anchor (bench/anchors.py bare) reads the JSON body and answers a constant JSON document.
Rounds alternate anchor and ours; the best round of each counts (the least disturbed).

Target: ours at least 25% of the anchor's requests/s. Stock Strawberry reached 7.5% of bare
Starlette on this machine (900 vs 12,000 requests/s), with parser and validation caches 31%.
Figures only; never a test.
"""

from __future__ import annotations

import argparse
import json

import httpload as hl

TARGET_SHARE = 0.25
STOCK_SHARE = 0.075
CACHED_SHARE = 0.31
QUERY = "{ me { id } }"
GOOD = '{"data":{"me":{"id":'


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--connections", type=int, default=32, help="wrk's keep-alive connections")
    p.add_argument("--seconds", type=float, default=15.0, help="each measured run")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load before each")
    p.add_argument("--rounds", type=int, default=2, help="anchor and ours, alternating")
    p.add_argument("--pin", action="store_true", help="server on CPU 0, wrk on the others")
    p.add_argument("--keep", action="store_true", help="keep the data dir")
    args = p.parse_args()
    server_cpus, load_cpus = hl.cpu_sets(args.pin)

    data_dir = hl.temp_dir("overhead-")
    try:
        hl.log(f"demo city in {data_dir}")
        hl.make_demo(data_dir)
        with (
            hl.ours(data_dir, data_dir, server_cpus) as ours,
            hl.anchor("bare", data_dir, cpus=server_cpus) as bare,
        ):
            token = hl.login(ours.base, "resident1")
            assert hl.graphql(ours.base, QUERY, token=token)["me"]["id"]
            body = json.dumps({"query": QUERY})
            ours_request = hl.Request(body, {"Authorization": f"Bearer {token}"}, good=GOOD)
            bare_request = hl.Request(body, good=GOOD)
            runs: dict[str, list[hl.Load]] = {"bare": [], "ours": []}
            for round_ in range(1, args.rounds + 1):
                for name, server, request in (
                    ("bare", bare, bare_request),
                    ("ours", ours, ours_request),
                ):
                    common = {"connections": args.connections, "cpus": load_cpus}
                    hl.run_wrk("warm-up", server, [request], seconds=args.warmup, **common)
                    load = hl.run_wrk(name, server, [request], seconds=args.seconds, **common)
                    runs[name].append(load)
                    hl.log(
                        f"round {round_} {name}: {load.rps:,.0f} requests/s, "
                        f"{sum(load.good):,} good of {load.requests:,}; {load.machine_line()}"
                    )
        report(runs, args)
    finally:
        hl.remove(data_dir, args.keep)


def report(runs: dict[str, list[hl.Load]], args: argparse.Namespace) -> None:
    best = {name: max(loads, key=lambda x: x.good_rps) for name, loads in runs.items()}
    ours, bare = best["ours"], best["bare"]
    share = ours.good_rps / bare.good_rps if bare.good_rps else 0.0
    print(
        f"\nGraphQL overhead: authenticated {QUERY} vs a bare Starlette JSON endpoint; one "
        f"uvicorn process each, wrk with {args.connections} connections, {args.seconds:g} s "
        f"per run, best of {args.rounds} rounds"
    )
    hl.print_table(
        "figures",
        [
            ("requests/s", f"{ours.good_rps:,.0f}", f"{bare.good_rps:,.0f}", ""),
            (
                "share of the anchor",
                f"{share * 100:.1f}%",
                "100%",
                f">= {TARGET_SHARE * 100:.0f}%  {hl.verdict(share >= TARGET_SHARE)}",
            ),
            ("latency p50", f"{ours.p50_ms:.1f} ms", f"{bare.p50_ms:.1f} ms", ""),
            ("latency p99", f"{ours.p99_ms:.1f} ms", f"{bare.p99_ms:.1f} ms", ""),
            (
                "server CPU per request",
                f"{ours.server_cpu_s / max(1, ours.requests) * 1e6:.0f} µs",
                f"{bare.server_cpu_s / max(1, bare.requests) * 1e6:.0f} µs",
                "",
            ),
            ("errors", _errors(ours), _errors(bare), "0"),
        ],
    )
    print(
        f"  stock Strawberry measured {STOCK_SHARE * 100:.1f}% of bare Starlette here, with "
        f"parser and validation caches {CACHED_SHARE * 100:.0f}% (no auth, no context)"
    )
    for name, loads in runs.items():
        for i, load in enumerate(loads, 1):
            print(f"  {name} round {i}: {load.good_rps:,.0f}/s; {load.machine_line()}")


def _errors(load: hl.Load) -> str:
    bad = load.requests - sum(load.good) + load.socket_errors
    return str(bad)


if __name__ == "__main__":
    main()
