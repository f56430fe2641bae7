"""`grassroots serve | demo | generate | rebuild-stats | export-schema | create-admin`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .export_cli import add_export_parser
from .settings import Settings


def _remove_sqlite_file(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.database_url.startswith("sqlite://"):
        db_file = Path(settings.database_url.removeprefix("sqlite://"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(settings.upload_dir, ignore_errors=True)


async def _build_demo(settings: Settings, *, cases: int, reset: bool = False) -> str | None:
    """Fill the database with the demo city; returns the hotline token, or None if not empty.

    With `reset` a PostgreSQL database is emptied first (a SQLite file is simply deleted)."""
    from .db import close_db, init_db, is_sqlite, reset_db
    from .demo import build_demo, is_empty
    from .workflow.runtime import Runtime

    await init_db(settings.database_url)
    try:
        if reset and not is_sqlite():
            await reset_db()
        if not await is_empty():
            return None
        result = await build_demo(Runtime.create(settings), cases=cases)
        return result.hotline_token
    finally:
        await close_db()


def _print_demo(token: str | None) -> None:
    if token is None:
        print("The database already holds data; left as it is.")
        return
    print("Demo city ready. Every demo account's password is: grassroots")
    print("  accounts: admin resident1 grid1 head1 community1 street1 city1")
    print("            heating_office1 heating_co1 urban1 party1 leader1 screen1")
    print(f"  INTEGRATION token 'hotline' (scopes cases:intake, cases:read, events:read): {token}")


WORKER_LOG_LEVEL = "GRASSROOTS_SERVE_LOG_LEVEL"
WORKER_PLAIN_LOGS = "GRASSROOTS_SERVE_PLAIN_LOGS"


def worker_app() -> Any:
    """The app of one `serve --workers N` process (uvicorn calls this in each of them).

    The workers share nothing but the database and the broker: like processes on several
    machines, each runs its own event hub, and the escalation lease lets one at a time run
    the scheduler."""
    from .app import create_app
    from .logs import configure_logging

    configure_logging(
        os.environ.get(WORKER_LOG_LEVEL, "info"),
        json_lines=not os.environ.get(WORKER_PLAIN_LOGS),
    )
    return create_app(Settings.from_env())


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = Settings.from_env()
    if args.demo:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _print_demo(asyncio.run(_build_demo(settings, cases=args.cases)))
    from .app import create_app
    from .logs import configure_logging

    if args.workers < 1:
        print("error: --workers must be 1 or more", file=sys.stderr)
        return 2
    app: Any
    if args.workers == 1:
        configure_logging(args.log_level, json_lines=not args.plain_logs)
        app = create_app(settings, demo_activity=args.demo and not args.no_activity)
    else:
        # Each worker process imports the app by name and builds it from the environment.
        os.environ[WORKER_LOG_LEVEL] = args.log_level
        os.environ[WORKER_PLAIN_LOGS] = "1" if args.plain_logs else ""
        app = f"{__name__}:{worker_app.__name__}"
        if args.demo and not args.no_activity:
            print("The live demo activity runs with --workers 1 only.", flush=True)
        if settings.broker_url.startswith("memory://"):
            print(
                "Note: with GRASSROOTS_BROKER_URL=memory:// a worker's subscribers see the "
                "other workers' changes only when they poll the log; use redis://…",
                flush=True,
            )
    print(f"Grassroots at http://{args.host}:{args.port}", flush=True)
    # No permessage-deflate: live messages are small JSON, and a zlib context per socket cost
    # ~40 KB of memory and a quarter of the server's CPU in bench/fanout.py.
    uvicorn.run(
        app,
        factory=args.workers > 1,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        log_config=None,  # ours: JSON lines with request ids (logs.py)
        ws_per_message_deflate=False,
        # On SIGTERM: stop accepting, let in-flight requests finish (WebSockets are closed
        # with 1012, "service restart", so clients reconnect elsewhere with `since`).
        timeout_graceful_shutdown=30,
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    _remove_sqlite_file(settings)
    _print_demo(asyncio.run(_build_demo(settings, cases=args.cases, reset=True)))
    return 0


async def _generate(settings: Settings, *, cases: int, years: float, seed: int) -> str:
    from .db import close_db, init_db
    from .demo.generate import ProgressBar, generate
    from .workflow.runtime import Runtime

    await init_db(settings.database_url)
    bar = ProgressBar(cases)
    try:
        result = await generate(
            Runtime.create(settings), cases=cases, years=years, seed=seed, progress=bar
        )
    finally:
        await close_db()
    bar.close(result.cases)
    rows = sum(result.rows.values())
    return (
        f"generated {result.cases:,} cases (ids {result.first_case_id}–{result.last_case_id}) "
        f"and {rows:,} rows in {result.seconds:.1f}s: {result.cases_per_second:,.0f} cases/s"
    )


def cmd_generate(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if args.cases < 0 or args.years <= 0:
        print("error: --cases must be 0 or more and --years more than 0", file=sys.stderr)
        return 2
    print(asyncio.run(_generate(settings, cases=args.cases, years=args.years, seed=args.seed)))
    return 0


async def _rebuild_stats(settings: Settings) -> int:
    from .db import close_db, init_db
    from .workflow import stats

    await init_db(settings.database_url)
    try:
        counted = await stats.rebuild(settings.zone)
    finally:
        await close_db()
    return sum(len(rows) for rows in counted.rows().values())


def cmd_rebuild_stats(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    rows = asyncio.run(_rebuild_stats(settings))
    print(f"dashboard counters recounted from the cases: {rows:,} rows")
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from .graphql.schema import export_sdl

    sdl = export_sdl()
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


async def _create_admin(settings: Settings, username: str, password: str, region_code: str) -> str:
    from .db import close_db, init_db
    from .workflow.accounts import create_admin
    from .workflow.runtime import Runtime

    await init_db(settings.database_url)
    try:
        await create_admin(Runtime.create(settings), username, password, region_code)
    finally:
        await close_db()
    return username


def cmd_create_admin(args: argparse.Namespace) -> int:
    from .workflow.errors import WorkflowError

    password = args.password or getpass.getpass("Password: ")
    Settings.from_env().data_dir.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(_create_admin(Settings.from_env(), args.username, password, args.region))
    except WorkflowError as error:
        print(f"error: {error.field}: {error.message}", file=sys.stderr)
        return 2
    print(f"admin {args.username} created")
    return 0


async def _migrate(settings: Settings) -> list[str]:
    from .db import close_db, init_db
    from .migrate import migrate

    await init_db(settings.database_url, create=False)
    try:
        result = await migrate(progress=lambda line: print(line, flush=True))
    finally:
        await close_db()
    return result.applied


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    applied = asyncio.run(_migrate(settings))
    if applied:
        print(f"applied {len(applied)} migration(s); the schema is up to date")
    else:
        print("the schema is up to date; nothing to apply")
    return 0


def cmd_makemigrations(args: argparse.Namespace) -> int:
    from .migrate import make_migration

    names = asyncio.run(make_migration(args.name, write=not args.check))
    if not names:
        print("no model changes: the migrations are up to date")
        return 0
    if args.check:
        print(
            f"the models changed without a migration ({', '.join(names)} would be written); "
            "run `make migration NAME=what_changed`",
            file=sys.stderr,
        )
        return 1
    for name in names:
        print(f"wrote backend/grassroots/migrations/{name}.py")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from .backup import BackupError, backup

    settings = Settings.from_env()
    output = Path(args.output or f"grassroots-backup-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz")

    def progress(done: int, total: int) -> None:
        print(f"\rdatabase pages {done}/{total}", end="", file=sys.stderr, flush=True)

    try:
        path = backup(settings, output.resolve(), progress)
    except BackupError as error:
        print(f"\n{error}", file=sys.stderr)
        return 2
    print(f"\nbackup written to {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from .backup import BackupError, restore

    settings = Settings.from_env()
    try:
        kept = restore(settings, Path(args.archive).resolve())
    except BackupError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"restored {args.archive}" + (f"; the previous files are in {kept}" if kept else ""))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grassroots", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="fill an empty database with the demo")
    serve.add_argument("--no-activity", action="store_true", help="with --demo: no live activity")
    serve.add_argument("--cases", type=int, default=300, help="historic demo cases")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes on this port (they share the database; use a Redis broker)",
    )
    serve.add_argument(
        "--plain-logs", action="store_true", help="human-readable logs instead of JSON lines"
    )
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="create or reset the demo database")
    demo.add_argument("--cases", type=int, default=300)
    demo.set_defaults(func=cmd_demo)

    generate = sub.add_parser(
        "generate", help="add N generated historic cases (for benchmarks) to the database"
    )
    generate.add_argument("--cases", type=int, required=True)
    generate.add_argument("--years", type=float, default=3.0, help="spread over this many years")
    generate.add_argument("--seed", type=int, default=2026)
    generate.set_defaults(func=cmd_generate)

    rebuild = sub.add_parser(
        "rebuild-stats",
        help="recount the dashboard counters from the cases (stop the server first)",
    )
    rebuild.set_defaults(func=cmd_rebuild_stats)

    schema = sub.add_parser("export-schema", help="write the GraphQL SDL")
    schema.add_argument("--output", default="schema.graphql", help="a file, or - for stdout")
    schema.set_defaults(func=cmd_export_schema)

    admin = sub.add_parser("create-admin", help="create an administrator account")
    admin.add_argument("username")
    admin.add_argument("--password", help="prompted for when not given")
    admin.add_argument("--region", required=True, help="code of the region the admin governs")
    admin.set_defaults(func=cmd_create_admin)
    backup = sub.add_parser(
        "backup", help="archive the SQLite database (online, while serving) and the photos"
    )
    backup.add_argument("--output", help="the .tar.gz to write (default: a dated name)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore", help="replace the database and photos with a backup (stop the server first)"
    )
    restore.add_argument("archive")
    restore.set_defaults(func=cmd_restore)

    migrate = sub.add_parser(
        "migrate", help="apply pending schema migrations (several processes may run it at once)"
    )
    migrate.set_defaults(func=cmd_migrate)

    makemigrations = sub.add_parser(
        "makemigrations", help="write the next schema migration after a model change"
    )
    makemigrations.add_argument("--name", help="what changed, e.g. add_case_priority")
    makemigrations.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the models changed without a migration",
    )
    makemigrations.set_defaults(func=cmd_makemigrations)

    add_export_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
