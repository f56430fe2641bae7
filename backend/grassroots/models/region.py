"""The region tree: prefecture › city › street › community › grid."""

from tortoise import fields

from .base import Model
from .enums import RegionLevel
from .fields import RegionPathField


class Region(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    level = fields.CharEnumField(RegionLevel, max_length=16)
    parent: fields.ForeignKeyNullableRelation["Region"] = fields.ForeignKeyField(
        "models.Region", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    # Materialised ancestry ("/1/4/9/"): a subtree is every path with this prefix.
    path = RegionPathField(db_index=True, default="")
    name_ko = fields.CharField(max_length=128)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    geometry: fields.Field[dict | None] = fields.JSONField(null=True)
    center_lat = fields.FloatField(null=True)
    center_lng = fields.FloatField(null=True)

    class Meta:
        table = "region"
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("parent_id",),)

    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)

    def contains_path(self, path: str) -> bool:
        return path.startswith(self.path)


def path_ids(path: str) -> list[int]:
    """The region ids on a region path, root first: "/1/4/" → [1, 4]."""
    return [int(part) for part in path.strip("/").split("/") if part]
