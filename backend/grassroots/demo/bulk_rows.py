"""Bulk rows as each database's driver takes them.

The history generator writes rows the way SQLite stores them: times as ISO text, booleans
as 0 and 1, JSON as text, ids it numbered itself. asyncpg wants datetime and bool objects,
and PostgreSQL's id sequences must be moved past the ids written by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from tortoise import Tortoise, fields

from ..db import connection, is_sqlite

Convert = Callable[[Any], Any]


def _model(table: str) -> Any:
    for model in Tortoise.apps["models"].values():
        if model._meta.db_table == table:
            return model
    raise KeyError(table)


def _time(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _flag(value: Any) -> Any:
    return None if value is None else bool(value)


@cache
def _converters(table: str, columns: tuple[str, ...]) -> tuple[Convert | None, ...]:
    meta = _model(table)._meta
    by_column = {
        field.source_field or name: field
        for name, field in meta.fields_map.items()
        if not isinstance(field, fields.relational.RelationalField)
    }
    converters: list[Convert | None] = []
    for column in columns:
        field = by_column.get(column)
        if isinstance(field, fields.DatetimeField):
            converters.append(_time)
        elif isinstance(field, fields.BooleanField):
            converters.append(_flag)
        else:
            converters.append(None)
    return tuple(converters)


def for_driver(
    table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """`rows` of `table`, in SQLite's terms, as the connection's driver takes them."""
    if is_sqlite():
        return rows
    converters = _converters(table, tuple(columns))
    if not any(converters):
        return rows
    return [
        tuple(
            value if convert is None else convert(value)
            for value, convert in zip(row, converters, strict=True)
        )
        for row in rows
    ]


async def advance_sequences(tables: Sequence[str]) -> None:
    """On PostgreSQL, let each table's id sequence continue after the highest id in it."""
    if is_sqlite():
        return
    conn = connection()
    for table in tables:
        key = _model(table)._meta.db_pk_column
        await conn.execute_query(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{key}'), "
            f'COALESCE(MAX("{key}"), 0) + 1, false) FROM "{table}"'
        )
