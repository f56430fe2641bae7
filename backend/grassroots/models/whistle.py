"""Whistles (吹哨): a level summons departments, each of which must report for duty (报到)."""

from tortoise import fields

from .base import Model
from .enums import RegionLevel, WhistleStatus


class Whistle(Model):
    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Case", related_name="whistles", on_delete=fields.CASCADE
    )
    case_id: int
    level = fields.CharEnumField(RegionLevel, max_length=16)
    region: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Region", related_name="whistles", on_delete=fields.RESTRICT
    )
    region_id: int
    whistled_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="whistles", null=True, on_delete=fields.SET_NULL
    )
    whistled_by_id: int | None
    note = fields.TextField(default="")
    status = fields.CharEnumField(WhistleStatus, max_length=16, default=WhistleStatus.OPEN)
    due_at = fields.DatetimeField()
    created_at = fields.DatetimeField()
    answered_at = fields.DatetimeField(null=True)
    escalated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "whistle"
        # The scheduler's scan: open whistles by deadline.
        indexes = (("status", "due_at"), ("case_id",))


class WhistleResponse(Model):
    """One summoned department's answer to a whistle, timed against the whistle's deadline."""

    id = fields.IntField(primary_key=True)
    whistle: fields.ForeignKeyRelation[Whistle] = fields.ForeignKeyField(
        "models.Whistle", related_name="responses", on_delete=fields.CASCADE
    )
    whistle_id: int
    department: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Department", related_name="whistle_responses", on_delete=fields.RESTRICT
    )
    department_id: int
    designated_lead = fields.BooleanField(default=False)
    due_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    claimed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="whistle_claims", null=True, on_delete=fields.SET_NULL
    )
    claimed_by_id: int | None

    class Meta:
        table = "whistle_response"
        unique_together = (("whistle", "department"),)
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("department_id",),)
