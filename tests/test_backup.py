"""`grassroots backup` while the server runs, and `grassroots restore` after a loss."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from grassroots.backup import BackupError, backup, restore
from grassroots.db import close_db, init_db
from grassroots.models import Case
from grassroots.settings import Settings

from .client import Api
from .flows import report

pytestmark = pytest.mark.skipif(
    not os.environ.get("GRASSROOTS_TEST_DB", "sqlite").startswith("sqlite"),
    reason="SQLite backups; PostgreSQL uses pg_dump",
)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grassroots.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_a_backup_taken_while_serving_restores_what_it_held(
    tmp_path: Path, settings: Settings, api: Api
) -> None:
    # given a running server with a case in it
    kept = await report(api, title="백업 전 备份前")
    archive = tmp_path / "nightly.tar.gz"
    env = {
        "GRASSROOTS_DATA_DIR": str(settings.data_dir),
        "GRASSROOTS_DATABASE_URL": settings.database_url,
    }

    # when the backup runs beside it (the app keeps its connection open)
    done = await asyncio.to_thread(cli, "backup", "--output", str(archive), env=env)
    later = await report(api, title="백업 후 备份后")

    # then the archive holds a sound database
    assert done.returncode == 0, done.stderr
    assert "backup written" in done.stdout
    with tarfile.open(archive) as tar:
        assert "grassroots.db" in tar.getnames()

    # and restoring it (server stopped) brings back exactly what it held
    await api.http.aclose()
    await close_db()
    restored = await asyncio.to_thread(cli, "restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "previous files are in" in restored.stdout

    await init_db(settings.database_url)
    ids = {str(c.id) for c in await Case.all().only("id")}
    assert _raw_id(kept) in ids
    assert _raw_id(later) not in ids


def _raw_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def test_restore_refuses_an_archive_that_is_not_a_backup(
    tmp_path: Path, settings: Settings
) -> None:
    bad = tmp_path / "evil.tar.gz"
    payload = tmp_path / "payload.txt"
    payload.write_text("x")
    with tarfile.open(bad, "w:gz") as tar:
        tar.add(payload, "../../etc/cron.d/evil")
    before = sorted(p.name for p in settings.data_dir.iterdir())

    with pytest.raises(BackupError, match="unexpected file"):
        restore(settings, bad)

    assert sorted(p.name for p in settings.data_dir.iterdir()) == before


def test_backup_of_a_postgres_installation_explains_pg_dump(
    tmp_path: Path, settings: Settings
) -> None:
    pg = dataclasses.replace(settings, database_url="postgres://u:p@db/grassroots")
    with pytest.raises(BackupError, match="pg_dump"):
        backup(pg, tmp_path / "x.tar.gz")


def test_a_damaged_database_is_not_restored(tmp_path: Path, settings: Settings) -> None:
    bad = tmp_path / "damaged.tar.gz"
    junk = tmp_path / "grassroots.db"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with tarfile.open(bad, "w:gz") as tar:
        tar.add(junk, "grassroots.db")

    with pytest.raises(BackupError):
        restore(settings, bad)
