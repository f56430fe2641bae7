"""Departments that answer whistles: government offices and public-service enterprises."""

from tortoise import fields

from .base import Model
from .enums import DepartmentKind


class Department(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=48, unique=True)
    kind = fields.CharEnumField(DepartmentKind, max_length=16)
    name_ko = fields.CharField(max_length=128)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    region: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Region", related_name="departments", on_delete=fields.RESTRICT
    )
    region_id: int
    parent: fields.ForeignKeyNullableRelation["Department"] = fields.ForeignKeyField(
        "models.Department", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    categories: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Category", related_name="departments", through="department_category"
    )

    class Meta:
        table = "department"
