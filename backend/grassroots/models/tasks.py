"""Service tasks a community posts, and the assignments of Party members who sign up."""

from enum import StrEnum

from tortoise import fields

from .base import Model
from .fields import RegionPathField


class AssignmentStatus(StrEnum):
    SIGNED_UP = "SIGNED_UP"
    CHECKED_IN = "CHECKED_IN"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"


class TaskStatus(StrEnum):
    """Derived from the slots, the time window and cancellation; never stored."""

    OPEN = "OPEN"
    FULL = "FULL"
    UNDER_WAY = "UNDER_WAY"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class ServiceTask(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    place = fields.CharField(max_length=255, default="")
    region: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Region", related_name="service_tasks", on_delete=fields.RESTRICT
    )
    region_id: int
    region_path = RegionPathField(db_index=True)
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField(db_index=True)
    slots = fields.IntField()
    # Slots held by SIGNED_UP, CHECKED_IN, COMPLETED and NO_SHOW assignments; a sign-up takes
    # one with `UPDATE … SET taken = taken + 1 WHERE taken < slots`, so none is overbooked.
    taken = fields.IntField(default=0)
    skills_text = fields.CharField(max_length=512, default="|")
    open_to_all = fields.BooleanField(default=False)
    origin_list_item: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.ListItem", related_name="spawned_tasks", null=True, on_delete=fields.SET_NULL
    )
    origin_list_item_id: int | None
    origin_case: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Case", related_name="service_tasks", null=True, on_delete=fields.SET_NULL
    )
    origin_case_id: int | None
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="posted_tasks", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.TextField(default="")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "service_task"
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (
            ("origin_list_item_id",),
            ("origin_case_id",),
        )

    @property
    def skills(self) -> list[str]:
        return [s for s in self.skills_text.split("|") if s]


class Assignment(Model):
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[ServiceTask] = fields.ForeignKeyField(
        "models.ServiceTask", related_name="assignments", on_delete=fields.CASCADE
    )
    task_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.PartyMember", related_name="assignments", on_delete=fields.CASCADE
    )
    member_id: int
    status = fields.CharEnumField(AssignmentStatus, max_length=16)
    # True while the assignment holds its slot, NULL once cancelled: the unique key below
    # lets one member hold at most one live assignment per task, and sign up again later.
    live = fields.BooleanField(null=True, default=True)
    signed_up_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    check_in_latitude = fields.FloatField(null=True)
    check_in_longitude = fields.FloatField(null=True)
    completed_at = fields.DatetimeField(null=True)
    completed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="completed_assignments", null=True, on_delete=fields.SET_NULL
    )
    completed_by_id: int | None
    service_minutes = fields.IntField(default=0)
    no_show_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "assignment"
        unique_together = (("task", "member", "live"),)
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("member_id",),)
