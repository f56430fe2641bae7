"""Fixtures: a real SQLite file per test (copied from a demo-city template), the real app
served through httpx, and a clock the test controls."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from grassroots.app import create_app
from grassroots.clock import FrozenClock
from grassroots.settings import Settings

from .client import Api

# A fixed morning, so deadlines and "today" do not depend on when the tests run.
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _settings(data_dir: Path) -> Settings:
    return Settings.from_env(
        environ={"GRASSROOTS_DATA_DIR": str(data_dir)}, scheduler_interval_seconds=3600.0
    )


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city and its accounts, without history, built once per session."""
    from grassroots.db import close_db, init_db
    from grassroots.demo.accounts import create_accounts
    from grassroots.demo.city import build_city
    from grassroots.workflow.runtime import Runtime

    data_dir = tmp_path_factory.mktemp("template")
    settings = _settings(data_dir)

    async def build() -> None:
        await init_db(settings.database_url)
        try:
            rt = Runtime.create(settings, FrozenClock(START))
            await create_accounts(rt, await build_city())
        finally:
            await close_db()

    asyncio.run(build())
    return data_dir / "grassroots.db"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings(tmp_path: Path, template_db: Path) -> Settings:
    shutil.copy(template_db, tmp_path / "grassroots.db")
    return _settings(tmp_path)


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
