"""Cases, the departments on them, their photos, ratings and timeline."""

from tortoise import fields

from .base import Model
from .enums import (
    CaseEventKind,
    CaseStatus,
    DepartmentRole,
    PhotoKind,
    RegionLevel,
    Satisfaction,
    Source,
    Urgency,
)
from .fields import RegionPathField


class Case(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    category: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Category", related_name="cases", on_delete=fields.RESTRICT
    )
    category_id: int
    source = fields.CharEnumField(Source, max_length=24)
    urgency = fields.CharEnumField(Urgency, max_length=16, default=Urgency.NORMAL)
    status = fields.CharEnumField(CaseStatus, max_length=16, db_index=True)
    # The level whose queue holds the case, and that level's region.
    level = fields.CharEnumField(RegionLevel, max_length=16, default=RegionLevel.COMMUNITY)
    queue_region: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Region", related_name="queued_cases", on_delete=fields.RESTRICT
    )
    queue_region_id: int
    region: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Region", related_name="cases", on_delete=fields.RESTRICT
    )
    region_id: int
    # Copy of region.path so that scope filters need no join.
    region_path = RegionPathField(db_index=True)
    address = fields.CharField(max_length=255, default="")
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    reporter: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="reported_cases", null=True, on_delete=fields.SET_NULL
    )
    reporter_id: int | None
    caller_name = fields.CharField(max_length=64, null=True)
    caller_phone = fields.CharField(max_length=32, null=True)
    lead_department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Department", related_name="led_cases", null=True, on_delete=fields.RESTRICT
    )
    lead_department_id: int | None
    self_handled = fields.BooleanField(default=False)
    claim_due_at = fields.DatetimeField(null=True, db_index=True)
    resolve_due_at = fields.DatetimeField(null=True, db_index=True)
    claimed_at = fields.DatetimeField(null=True)
    arrived_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    satisfaction = fields.CharEnumField(Satisfaction, max_length=24, null=True)
    duplicate_of: fields.ForeignKeyNullableRelation["Case"] = fields.ForeignKeyField(
        "models.Case", related_name="duplicates", null=True, on_delete=fields.SET_NULL
    )
    duplicate_of_id: int | None
    external_ref = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "case"
        unique_together = (("source", "external_ref"),)
        # Open cases of a subtree past a deadline (the dashboard's overdue count, per grid):
        # few beside the history, and counted from this index alone. A reporter's own cases
        # ("my reports") by their key.
        indexes = (
            ("status", "region_path", "region_id", "resolve_due_at", "claim_due_at"),
            ("reporter_id", "id"),
        )


class CaseDepartment(Model):
    """A department on a case: lead or assisting, with when it was summoned and claimed."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="departments", on_delete=fields.CASCADE
    )
    case_id: int
    department: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Department", related_name="case_links", on_delete=fields.RESTRICT
    )
    department_id: int
    role = fields.CharEnumField(DepartmentRole, max_length=8)
    summoned_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "case_department"
        unique_together = (("case", "department"),)
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("department_id", "case_id"),)


class Photo(Model):
    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="photos", on_delete=fields.CASCADE
    )
    case_id: int
    kind = fields.CharEnumField(PhotoKind, max_length=16)
    file_name = fields.CharField(max_length=128)
    thumb_name = fields.CharField(max_length=128)
    content_type = fields.CharField(max_length=32)
    size = fields.IntField()
    width = fields.IntField()
    height = fields.IntField()
    uploaded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="photos", null=True, on_delete=fields.SET_NULL
    )
    uploaded_by_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "photo"
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("case_id",),)


class CaseRating(Model):
    """Every rating counts, so an UNSATISFIED that reopened a case still counts against it."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="ratings", on_delete=fields.CASCADE
    )
    case_id: int
    satisfaction = fields.CharEnumField(Satisfaction, max_length=24)
    comment = fields.TextField(default="")
    lead_department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Department", related_name="ratings", null=True, on_delete=fields.RESTRICT
    )
    lead_department_id: int | None
    rated_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="ratings", null=True, on_delete=fields.SET_NULL
    )
    rated_by_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "case_rating"
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("case_id",),)


class CaseEvent(Model):
    """One step of a case's timeline."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="timeline", on_delete=fields.CASCADE
    )
    case_id: int
    kind = fields.CharEnumField(CaseEventKind, max_length=24)
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="case_events", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Department", related_name="case_events", null=True, on_delete=fields.SET_NULL
    )
    department_id: int | None
    status_before = fields.CharEnumField(CaseStatus, max_length=16, null=True)
    status_after = fields.CharEnumField(CaseStatus, max_length=16, null=True)
    note = fields.TextField(default="")
    data: fields.Field[dict] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "case_event"
        indexes = (("case_id", "id"),)
