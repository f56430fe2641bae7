"""The three lists: Party organisations' projects, leading cadres' difficulties, residents'
small wishes; the cases they were made from and the photos they were ticked off with."""

from enum import StrEnum

from tortoise import fields

from .base import Model
from .fields import RegionPathField


class ListItemKind(StrEnum):
    PROJECT = "PROJECT"
    DIFFICULTY = "DIFFICULTY"
    WISH = "WISH"


class ListItemStatus(StrEnum):
    OPEN = "OPEN"
    CLAIMED = "CLAIMED"
    DONE = "DONE"
    VERIFIED = "VERIFIED"


class ListItem(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ListItemKind, max_length=16, db_index=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    status = fields.CharEnumField(ListItemStatus, max_length=16, db_index=True)
    region: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Region", related_name="list_items", on_delete=fields.RESTRICT
    )
    region_id: int
    region_path = RegionPathField(db_index=True)
    # The resident a wish is for (asked themselves, or through a block head).
    requested_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="requested_list_items", null=True, on_delete=fields.SET_NULL
    )
    requested_by_id: int | None
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="created_list_items", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    claimed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="claimed_list_items", null=True, on_delete=fields.SET_NULL
    )
    claimed_by_id: int | None
    # For a PROJECT: the organisation whose secretary claimed it.
    organisation: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.PartyOrganisation", related_name="list_items", null=True, on_delete=fields.SET_NULL
    )
    organisation_id: int | None
    due_at = fields.DatetimeField(null=True, db_index=True)
    claimed_at = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)
    completion_note = fields.TextField(default="")
    verified_at = fields.DatetimeField(null=True)
    verified_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="verified_list_items", null=True, on_delete=fields.SET_NULL
    )
    verified_by_id: int | None
    sent_back_reason = fields.TextField(default="")
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "list_item"
        indexes = (("kind", "region_path"),)


class ListItemCase(Model):
    """A case a list item was made from: the case links back through this row."""

    id = fields.IntField(primary_key=True)
    list_item: fields.ForeignKeyRelation[ListItem] = fields.ForeignKeyField(
        "models.ListItem", related_name="case_links", on_delete=fields.CASCADE
    )
    list_item_id: int
    case: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Case", related_name="list_item_links", on_delete=fields.CASCADE
    )
    case_id: int

    class Meta:
        table = "list_item_case"
        unique_together = (("list_item", "case"),)
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("case_id",),)


class ListItemPhoto(Model):
    id = fields.IntField(primary_key=True)
    list_item: fields.ForeignKeyRelation[ListItem] = fields.ForeignKeyField(
        "models.ListItem", related_name="photos", on_delete=fields.CASCADE
    )
    list_item_id: int
    file_name = fields.CharField(max_length=128)
    thumb_name = fields.CharField(max_length=128)
    content_type = fields.CharField(max_length=32)
    size = fields.IntField()
    width = fields.IntField()
    height = fields.IntField()
    uploaded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="list_item_photos", null=True, on_delete=fields.SET_NULL
    )
    uploaded_by_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "list_item_photo"
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("list_item_id",),)
