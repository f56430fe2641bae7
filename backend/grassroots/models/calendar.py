"""Administrators' corrections to the working-day calendar (workflow.work_calendar)."""

from tortoise import fields

from .base import Model


class CalendarDay(Model):
    """One day whose status an administrator set: it wins over the shipped official schedule
    and over the plain Monday-to-Friday week (e.g. a day off for a typhoon, or next year's
    holidays before a calendar file for that year ships)."""

    id = fields.IntField(primary_key=True)
    date = fields.DateField(unique=True)
    is_working_day = fields.BooleanField()
    name = fields.CharField(max_length=64, default="")
    set_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="calendar_days_set", null=True, on_delete=fields.SET_NULL
    )
    set_by_id: int | None
    updated_at = fields.DatetimeField()

    class Meta:
        table = "calendar_day"
