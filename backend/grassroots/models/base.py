"""The models' base: Tortoise's Model, made from a database row by a converter list built once
per model.

Tortoise makes a model from a row (`Model._init_from_db`) through each field's generic
`to_python_value`: a timestamp asks the environment whether time zones are on and whether
the value is naive before converting it, an enum column goes through `Enum(value)`. A case
row took ~14 µs so, a third of a page of 50 cases. Here each column's conversion is chosen
once per model: a stored timestamp is parsed and put in the configured zone, an enum found
in a dict of its members; the rest is Tortoise's own conversion. The models made are the
same, attribute for attribute (tests/test_rows.py); a row that lacks columns (`.only()`)
is made by Tortoise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from ciso8601 import parse_datetime
from tortoise import timezone
from tortoise.fields.base import Field
from tortoise.fields.data import CharEnumFieldInstance, DatetimeField
from tortoise.models import Model as TortoiseModel

Convert = Callable[[Any], Any]


def _timestamp(field: DatetimeField[Any]) -> Convert:
    """Tortoise's conversion, with its settings read once: an aware timestamp stored as text
    (how SQLite keeps them) is parsed and moved to the configured zone."""
    if not timezone.get_use_tz():
        return field.to_python_value
    zone = timezone.get_default_timezone()
    general = field.to_python_value

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is str:
            parsed = parse_datetime(value)
            if parsed.tzinfo is not None:
                return parsed.astimezone(zone)
        return general(value)

    return convert


def _enum(field: CharEnumFieldInstance) -> Convert:
    members = {member.value: member for member in field.enum_type}
    general = field.to_python_value

    def convert(value: Any) -> Any:
        found = members.get(value)
        return found if found is not None else general(value)

    return convert


def _converter(field: Field[Any]) -> Convert:
    if isinstance(field, DatetimeField):
        return _timestamp(field)
    if isinstance(field, CharEnumFieldInstance):
        return _enum(field)
    return field.to_python_value


class Hydrator:
    """Makes one model from a whole row, as Model._init_from_db does."""

    def __init__(self, model: type[TortoiseModel]) -> None:
        meta = model._meta
        self.model = model
        self.custom_pk = meta.db_pk_column not in meta.generated_db_fields
        self.plain = [(key, attr) for key, attr, _ in meta.db_native_fields]
        self.typed = [(key, attr, field.field_type) for key, attr, field in meta.db_default_fields]
        self.converted = [
            (key, attr, _converter(field)) for key, attr, field in meta.db_complex_fields
        ]

    def __call__(self, row: dict[str, Any]) -> Any:
        made = self.model.__new__(self.model)
        attrs = made.__dict__
        attrs["_partial"] = False
        attrs["_saved_in_db"] = True
        attrs["_custom_generated_pk"] = self.custom_pk
        attrs["_await_when_save"] = {}
        for key, attr in self.plain:
            attrs[attr] = row[key]
        for key, attr, type_ in self.typed:
            value = row[key]
            attrs[attr] = None if value is None else type_(value)
        for key, attr, convert in self.converted:
            attrs[attr] = convert(row[key])
        return made


# Made on first use after each Tortoise init: which columns the driver converts itself, and
# the time zone settings, belong to the database the models were initialised for.
_hydrators: dict[type[TortoiseModel], Hydrator] = {}


def forget_hydrators() -> None:
    """Called when Tortoise is initialised for a database (db.init_db)."""
    _hydrators.clear()


class Model(TortoiseModel):
    class Meta:
        abstract = True

    @classmethod
    def _init_from_db(cls, **row: Any) -> Self:
        hydrator = _hydrators.get(cls)
        if hydrator is None:
            hydrator = _hydrators[cls] = Hydrator(cls)
        try:
            return hydrator(row)  # type: ignore[no-any-return]
        except KeyError:  # a partial row (.only()): Tortoise knows how
            return super()._init_from_db(**row)
