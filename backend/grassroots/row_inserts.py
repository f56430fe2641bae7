"""New rows of one model, many to a statement on PostgreSQL, their ids handed back.

On PostgreSQL every statement is a round trip, and its share of a small write's cost is
most of it (~100 µs of this process's CPU, more of the server's). Tortoise's `bulk_create`
sends many rows but hands back no ids, which the rows that point at them need. So the rows
travel as one JSON array that PostgreSQL spreads into the table's own row type
(`json_populate_recordset`): one prepared statement for any number of rows, each column
typed as the table types it. The rows go in in the given order (ORDER BY their ordinality),
and PostgreSQL draws each inserted row's serial id as it inserts it, so the ids rise in
that order: sorted, the returned ids are the rows' ids. (This is how the executor works,
not a documented promise; tests/test_new_cases.py checks every id of a batch.)

On SQLite, where a statement is a function call, each row is simply saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

import orjson
from tortoise import fields
from tortoise.models import Model

from .db import connection

M = TypeVar("M", bound=Model)

_STATEMENTS: dict[type[Model], tuple[str, list[tuple[str, fields.Field[Any]]]]] = {}


def _statement(model: type[Model]) -> tuple[str, list[tuple[str, fields.Field[Any]]]]:
    """The INSERT for `model`, and (column, field) of the columns it fills."""
    known = _STATEMENTS.get(model)
    if known is not None:
        return known
    meta = model._meta
    columns = [
        (column, meta.fields_map[name])
        for name, column in meta.fields_db_projection.items()
        if not meta.fields_map[name].generated
    ]
    names = ", ".join(f'"{column}"' for column, _ in columns)
    picked = ", ".join(f'r."{column}"' for column, _ in columns)
    table = meta.db_table
    sql = (
        f'INSERT INTO "{table}" ({names}) SELECT {picked} FROM {json_source(table)} '
        f'ORDER BY r.ordinality RETURNING "{meta.db_pk_column}"'
    )
    _STATEMENTS[model] = (sql, columns)
    return sql, columns


def json_source(table: str) -> str:
    """The rows of `json_rows` (the statement's $1) as `r`, in the table's row type, with
    their place in the array as `r.ordinality`."""
    return f'json_populate_recordset(NULL::"{table}", $1::json) WITH ORDINALITY AS r'


def json_rows(rows: Sequence[Model], columns: list[tuple[str, fields.Field[Any]]]) -> str:
    """`rows` as one JSON array of objects by column, each value as Tortoise would send it."""
    return orjson.dumps(
        [{column: _json_value(field, row) for column, field in columns} for row in rows],
        default=_unknown,
    ).decode()


def _json_value(field: fields.Field[Any], row: Model) -> Any:
    value = field.to_db_value(getattr(row, field.model_field_name), row)
    if isinstance(field, fields.JSONField) and value is not None:
        return orjson.Fragment(value)  # already JSON, by the field's own encoder: as it is
    return value


def _unknown(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


async def insert_all(rows: Sequence[M]) -> None:
    """Insert `rows` (all of one model, not yet saved; on PostgreSQL also rows saved by a
    transaction that rolled back: their ids are drawn anew) in the caller's transaction."""
    if not rows:
        return
    conn = connection()
    if conn.capabilities.dialect != "postgres":
        for row in rows:
            await row.save(using_db=conn)
        return
    sql, columns = _statement(type(rows[0]))
    returned = await conn.execute_query_dict(sql, [json_rows(rows, columns)])
    pk = type(rows[0])._meta.db_pk_column
    ids = sorted(r[pk] for r in returned)
    for row, row_id in zip(rows, ids, strict=True):
        row.pk = row_id
        row._saved_in_db = True
