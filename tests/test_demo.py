"""The demo city: bilingual, mapped, staffed, with a history in every status."""

from __future__ import annotations

import httpx
import pytest

from grassroots.app import create_app
from grassroots.cli import main
from grassroots.models.enums import CaseStatus
from grassroots.settings import Settings

from .client import Api
from .conftest import Databases, database_settings

STATUSES = """
query($s: [CaseStatus!]) { cases(first: 1, filter: {statuses: $s}) { totalCount } }
"""
GRIDS = """
{ regions(level: GRID) { nameKo nameZh nameEn geometry centerLat centerLng parent { nameZh } } }
"""


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Settings:
    data_dir = tmp_path_factory.mktemp("demo")
    settings = database_settings(data_dir, databases.empty(data_dir))
    mp = pytest.MonkeyPatch()
    mp.setenv("GRASSROOTS_DATA_DIR", str(data_dir))
    mp.setenv("GRASSROOTS_DATABASE_URL", settings.database_url)
    try:
        assert main(["demo", "--cases", "150"]) == 0
    finally:
        mp.undo()
    return settings


async def test_the_demo_city_has_history_in_every_status(
    demo_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = demo_settings
    app = create_app(settings, run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            api = Api(http)
            for status in CaseStatus:
                data = await api.as_user("admin", STATUSES, {"s": [status.value]})
                assert data["cases"]["totalCount"] > 0, status

            grids = (await api.run(GRIDS))["regions"]
            yanqing = [g for g in grids if g["parent"]["nameZh"] == "延青社区"]
            assert len(yanqing) >= 4
            for grid in grids:
                assert all(grid[name] for name in ("nameKo", "nameZh", "nameEn"))
                assert grid["geometry"]["type"] == "Polygon"
                assert 42.5 < grid["centerLat"] < 43.2
                assert 129.0 < grid["centerLng"] < 130.0

            for user in (
                "resident1",
                "grid1",
                "head1",
                "community1",
                "street1",
                "city1",
                "heating_office1",
                "heating_co1",
                "urban1",
                "party1",
                "leader1",
                "screen1",
            ):
                assert await api.login(user)

            rates = "{ regions { rates { responseRate resolutionRate satisfactionRate } } }"
            token = await api.login("admin")
            got = (await api.run(rates, token=token))["regions"][0]["rates"]
            assert all(0 < value <= 1 for value in got.values()), got


@pytest.mark.usefixtures("cli_database")
def test_demo_prints_the_hotline_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--cases", "0"]) == 0
    out = capsys.readouterr().out
    assert "hotline" in out
    assert "gr_" in out
    assert main(["demo", "--cases", "0"]) == 0  # a reset builds it anew
    assert "gr_" in capsys.readouterr().out


@pytest.mark.usefixtures("cli_database")
def test_create_admin() -> None:
    assert main(["demo", "--cases", "0"]) == 0
    assert main(["create-admin", "chief", "--password", "s3cret-pass", "--region", "222401"]) == 0
    assert main(["create-admin", "chief", "--password", "s3cret-pass", "--region", "222401"]) == 2
    assert main(["create-admin", "other", "--password", "short", "--region", "222401"]) == 2
