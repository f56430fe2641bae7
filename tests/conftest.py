"""Fixtures: a real database per test (a copy of a demo-city template), the real app served
through httpx, and a clock the test controls.

The database is a SQLite file by default; with GRASSROOTS_TEST_DB=postgres every test gets a
database of a throwaway PostgreSQL cluster instead (tests/postgres.py), and tests marked
`sqlite_only` are skipped.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from grassroots.app import create_app
from grassroots.clock import FrozenClock
from grassroots.settings import Settings

from .client import Api
from .postgres import Cluster, server_binaries

# A fixed morning, so deadlines and "today" do not depend on when the tests run.
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
BACKEND = os.environ.get("GRASSROOTS_TEST_DB", "sqlite")
if BACKEND not in {"sqlite", "postgres"}:
    raise RuntimeError("GRASSROOTS_TEST_DB must be sqlite or postgres")
ON_POSTGRES = BACKEND == "postgres"
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Playwright's sync API keeps an event loop running in the main thread while its browser is
    # open (a session fixture): the browser tests go last, so no asyncio test starts beside it.
    items.sort(key=lambda item: BROWSER_TESTS in Path(str(item.path)).resolve().parents)
    if not ON_POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


class Databases:
    """Where the tests' databases live: SQLite files, or a PostgreSQL cluster's databases."""

    def __init__(self, cluster: Cluster | None = None) -> None:
        self.cluster = cluster

    def empty(self, data_dir: Path) -> str:
        """The URL of a new, empty database for a data directory."""
        if self.cluster is None:
            return f"sqlite://{data_dir / 'grassroots.db'}"
        return self.cluster.create(self.cluster.new_name())

    def copy(self, template_url: str, data_dir: Path) -> str:
        """A new database holding what the template holds."""
        if self.cluster is None:
            shutil.copy(template_url.removeprefix("sqlite://"), data_dir / "grassroots.db")
            return self.empty(data_dir)
        template = template_url.rsplit("/", 1)[1]
        return self.cluster.create(self.cluster.new_name(), template=template)

    def drop(self, url: str) -> None:
        """Free a PostgreSQL database at the end of its test (a SQLite file goes with tmp)."""
        if self.cluster is not None:
            name = url.rsplit("/", 1)[1]
            self.cluster.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    return Settings.from_env(
        environ={"GRASSROOTS_DATA_DIR": str(data_dir), "GRASSROOTS_DATABASE_URL": database_url},
        **overrides,
    )


def _settings(data_dir: Path, database_url: str) -> Settings:
    return database_settings(data_dir, database_url, scheduler_interval_seconds=3600.0)


@pytest.fixture(scope="session")
def databases() -> Iterator[Databases]:
    if not ON_POSTGRES:
        yield Databases()
        return
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("GRASSROOTS_TEST_DB=postgres needs PostgreSQL's server (initdb)")
    cluster = Cluster(binaries)
    cluster.start()
    try:
        yield Databases(cluster)
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> str:
    """The demo city and its accounts, without history, built once per session."""
    from grassroots.db import close_db, init_db
    from grassroots.demo.accounts import create_accounts
    from grassroots.demo.city import build_city
    from grassroots.workflow.runtime import Runtime

    data_dir = tmp_path_factory.mktemp("template")
    settings = _settings(data_dir, databases.empty(data_dir))

    async def build() -> None:
        await init_db(settings.database_url)
        try:
            rt = Runtime.create(settings, FrozenClock(START))
            await create_accounts(rt, await build_city())
        finally:
            await close_db()

    asyncio.run(build())
    return settings.database_url


@pytest.fixture
def database_url(tmp_path: Path, template_url: str, databases: Databases) -> Iterator[str]:
    """This test's own copy of the template database."""
    url = databases.copy(template_url, tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def cli_database(
    tmp_path: Path, databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """An empty database that the command line (`grassroots …`) finds in the environment."""
    url = databases.empty(tmp_path)
    monkeypatch.setenv("GRASSROOTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRASSROOTS_DATABASE_URL", url)
    yield database_settings(tmp_path, url)
    databases.drop(url)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return _settings(tmp_path, database_url)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[object]:
    application = create_app(settings, clock=clock, run_scheduler=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(app: object) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://grassroots.test") as http:
        yield Api(http)
