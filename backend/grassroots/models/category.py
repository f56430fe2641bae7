"""The problem-type tree and its SLA policy."""

from tortoise import fields

from .base import Model


class Category(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=48, unique=True)
    parent: fields.ForeignKeyNullableRelation["Category"] = fields.ForeignKeyField(
        "models.Category", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    name_ko = fields.CharField(max_length=128)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    # SLA for NORMAL urgency; workflow.sla scales it for URGENT and CRITICAL unless
    # sla_overrides names that urgency: {"URGENT": {"claim_minutes": 20, "resolve_hours": 8}}
    # (or "claim_working_days" / "resolve_working_days").
    claim_minutes = fields.IntField(default=120)
    resolve_hours = fields.IntField(default=72)
    # Set, a policy counts working days (workflow.work_calendar) instead of the clock hours
    # above: offices answer letters and repairs "within 5 working days", holidays excluded.
    claim_working_days = fields.IntField(null=True)
    resolve_working_days = fields.IntField(null=True)
    sla_overrides: fields.Field[dict] = fields.JSONField(default=dict)
    sort_order = fields.IntField(default=0)
    default_departments: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Department", related_name="default_for", through="category_default_department"
    )

    class Meta:
        table = "category"
