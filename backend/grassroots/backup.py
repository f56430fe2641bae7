"""Backups of an SQLite installation: the database and the uploaded photos in one archive.

The database is copied with SQLite's online backup API, so a running server keeps serving
and the copy is a consistent snapshot (WAL included). PostgreSQL installations use pg_dump.
"""

from __future__ import annotations

import shutil
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .settings import Settings

DB_NAME = "grassroots.db"
UPLOADS = "uploads"
PG_INSTRUCTIONS = """\
This installation runs on PostgreSQL: back it up with PostgreSQL's own tools, e.g.
  pg_dump --format=custom --file=grassroots.dump "$GRASSROOTS_DATABASE_URL"
and restore into an empty database with
  pg_restore --no-owner --dbname="$GRASSROOTS_DATABASE_URL" grassroots.dump
Uploaded photos live in $GRASSROOTS_DATA_DIR/uploads; copy that folder as well."""


class BackupError(Exception):
    pass


def sqlite_path(settings: Settings) -> Path:
    if not settings.database_url.startswith("sqlite://"):
        raise BackupError(PG_INSTRUCTIONS)
    return Path(settings.database_url.removeprefix("sqlite://"))


def _copy_database(source: Path, target: Path, progress: Callable[[int, int], None]) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        # Pages in steps, so a large database does not hold the writer off for long.
        src.backup(dst, pages=1024, progress=lambda _s, left, total: progress(total - left, total))
    finally:
        dst.close()
        src.close()


def check_integrity(path: Path) -> None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = con.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path.name} is not a usable SQLite database: {error}") from error
    finally:
        con.close()
    if result != "ok":
        raise BackupError(f"{path.name} failed the integrity check: {result}")


def backup(
    settings: Settings, output: Path, progress: Callable[[int, int], None] = lambda d, t: None
) -> Path:
    """Writes a .tar.gz with the database snapshot and the uploads; returns its path."""
    source = sqlite_path(settings)
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    with tempfile.TemporaryDirectory(dir=output.parent) as tmp:
        snapshot = Path(tmp) / DB_NAME
        _copy_database(source, snapshot, progress)
        check_integrity(snapshot)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(snapshot, DB_NAME)
            if settings.upload_dir.is_dir():
                archive.add(settings.upload_dir, UPLOADS)
        partial.replace(output)  # a half-written archive never carries the final name
    return output


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = member.name
        if not (name in (DB_NAME, UPLOADS) or name.startswith(UPLOADS + "/")):
            raise BackupError(f"unexpected file in the archive: {name}")
        members.append(member)
    return members


def restore(settings: Settings, archive_path: Path) -> Path | None:
    """Replaces the database and uploads with the archive's; the server must be stopped.
    The previous files are kept beside them; returns where, or None if there were none."""
    target = sqlite_path(settings)
    if not archive_path.is_file():
        raise BackupError(f"no backup at {archive_path}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.data_dir) as tmp:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(tmp, members=_safe_members(archive), filter="data")
        restored = Path(tmp) / DB_NAME
        if not restored.is_file():
            raise BackupError("the archive holds no database")
        check_integrity(restored)
        kept: Path | None = None
        if target.exists() or settings.upload_dir.exists():
            kept = settings.data_dir / f"before-restore-{time.strftime('%Y%m%d-%H%M%S')}"
            kept.mkdir()
            for suffix in ("", "-wal", "-shm"):
                old = Path(f"{target}{suffix}")
                if old.exists():
                    old.replace(kept / old.name)
            if settings.upload_dir.exists():
                settings.upload_dir.replace(kept / UPLOADS)
        restored.replace(target)
        uploads = Path(tmp) / UPLOADS
        if uploads.is_dir():
            shutil.move(str(uploads), settings.upload_dir)
    return kept
