"""Field types shared by several models."""

from __future__ import annotations

from typing import Any

from tortoise import fields


class RegionPathField(fields.CharField):  # type: ignore[type-arg]
    """A materialised region path ("/1/4/9/").

    A subtree is selected by the range `path <= p < path_upper(path)` (workflow.stats), which
    holds only when strings compare byte by byte. SQLite does; PostgreSQL follows the
    database's collation, which may ignore the slashes, so there the column is COLLATE "C".
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(**kwargs)

    class _db_postgres:
        def __init__(self, field: RegionPathField) -> None:
            self.field = field

        @property
        def SQL_TYPE(self) -> str:
            return f'VARCHAR({self.field.max_length}) COLLATE "C"'
