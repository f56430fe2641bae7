"""The schema of the first release (3e48b58), which made its tables with generate_schemas.

A database of that release is adopted: this migration is recorded as applied, not run.
Written by Tortoise's autodetector from that release's models; the region path columns are
RegionPathField (on SQLite the same VARCHAR(255); that release had no PostgreSQL driver, so
no database of it has the other collation).
"""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from grassroots.models.enums import (
    AccountKind,
    CaseEventKind,
    CaseStatus,
    DepartmentKind,
    DepartmentRole,
    PhotoKind,
    RegionLevel,
    Role,
    Satisfaction,
    Source,
    TokenKind,
    Urgency,
    WhistleStatus,
)
from grassroots.models.fields import RegionPathField
from grassroots.models.lists import ListItemKind, ListItemStatus
from grassroots.models.party import OrganisationKind, RegistrationStatus
from grassroots.models.tasks import AssignmentStatus


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Account",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("username", fields.CharField(unique=True, max_length=64)),
                ("display_name", fields.CharField(max_length=128)),
                ("phone", fields.CharField(null=True, max_length=32)),
                ("password_hash", fields.CharField(null=True, max_length=255)),
                (
                    "kind",
                    fields.CharEnumField(
                        default=AccountKind.PERSON,
                        description="PERSON: PERSON\nMACHINE: MACHINE",
                        enum_type=AccountKind,
                        max_length=16,
                    ),
                ),
                ("locale", fields.CharField(default="ko", max_length=8)),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "account", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CategoryDay",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("day", fields.IntField()),
                ("region_path", RegionPathField()),
                ("region_id", fields.IntField()),
                ("category_id", fields.IntField()),
                ("n", fields.IntField(default=0)),
            ],
            options={
                "table": "stat_category_day",
                "app": "models",
                "unique_together": (("region_id", "day", "category_id"),),
                "pk_attr": "id",
                "table_description": "Cases reported in a region (any level) on one local day, by category.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Counter",
            fields=[
                (
                    "name",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("value", fields.BigIntField(default=0)),
            ],
            options={
                "table": "counter",
                "app": "models",
                "pk_attr": "name",
                "table_description": "Named counters (case numbers per year), bumped inside the writing transaction.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DepartmentDay",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("day", fields.IntField()),
                ("region_path", RegionPathField()),
                ("region_id", fields.IntField()),
                ("department_id", fields.IntField()),
                ("resolved", fields.IntField(default=0)),
                ("resolved_on_time", fields.IntField(default=0)),
                ("resolve_seconds", fields.BigIntField(default=0)),
                ("responses_due", fields.IntField(default=0)),
                ("responses_on_time", fields.IntField(default=0)),
                ("claims", fields.IntField(default=0)),
                ("claim_seconds", fields.BigIntField(default=0)),
                ("ratings", fields.IntField(default=0)),
                ("ratings_satisfied", fields.IntField(default=0)),
            ],
            options={
                "table": "stat_department_day",
                "app": "models",
                "unique_together": (("region_id", "day", "department_id"),),
                "pk_attr": "id",
                "table_description": "A department's outcomes on one local day, for the cases of a region (and so once for",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Event",
            fields=[
                (
                    "seq",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("kind", fields.CharField(max_length=48)),
                ("region_path", RegionPathField(db_index=True)),
                ("subject_type", fields.CharField(max_length=32)),
                ("subject_id", fields.IntField()),
                ("actor_id", fields.IntField(null=True)),
                (
                    "payload",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={"table": "event", "app": "models", "pk_attr": "seq"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Region",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=32)),
                (
                    "level",
                    fields.CharEnumField(
                        description="PREFECTURE: PREFECTURE\nCITY: CITY\nSTREET: STREET\nCOMMUNITY: COMMUNITY\nGRID: GRID",
                        enum_type=RegionLevel,
                        max_length=16,
                    ),
                ),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("path", RegionPathField(default="", db_index=True)),
                ("name_ko", fields.CharField(max_length=128)),
                ("name_zh", fields.CharField(max_length=128)),
                ("name_en", fields.CharField(max_length=128)),
                (
                    "geometry",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("center_lat", fields.FloatField(null=True)),
                ("center_lng", fields.FloatField(null=True)),
            ],
            options={"table": "region", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RegionDay",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("day", fields.IntField()),
                ("region_path", RegionPathField()),
                ("region_id", fields.IntField()),
                ("reported", fields.IntField(default=0)),
                ("closed", fields.IntField(default=0)),
                ("resolved", fields.IntField(default=0)),
                ("resolved_on_time", fields.IntField(default=0)),
                ("resolve_seconds", fields.BigIntField(default=0)),
                ("responses_due", fields.IntField(default=0)),
                ("responses_on_time", fields.IntField(default=0)),
                ("claims", fields.IntField(default=0)),
                ("claim_seconds", fields.BigIntField(default=0)),
                ("ratings", fields.IntField(default=0)),
                ("ratings_satisfied", fields.IntField(default=0)),
            ],
            options={
                "table": "stat_region_day",
                "app": "models",
                "unique_together": (("day", "region_path", "region_id"),),
                "pk_attr": "id",
                "table_description": "A leaf region's outcomes on one local day.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SourceDay",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("day", fields.IntField()),
                ("region_path", RegionPathField()),
                ("region_id", fields.IntField()),
                (
                    "source",
                    fields.CharEnumField(
                        description="APP_PHOTO: APP_PHOTO\nHOTLINE_12345: HOTLINE_12345\nSTREET_WHISTLE: STREET_WHISTLE\nSELF_MEDIA: SELF_MEDIA\nLETTERS_VISITS: LETTERS_VISITS\nDOOR_TO_DOOR: DOOR_TO_DOOR\nPARTY_LISTENING: PARTY_LISTENING\nOTHER: OTHER",
                        enum_type=Source,
                        max_length=24,
                    ),
                ),
                ("n", fields.IntField(default=0)),
            ],
            options={
                "table": "stat_source_day",
                "app": "models",
                "unique_together": (("region_id", "day", "source"),),
                "pk_attr": "id",
                "table_description": "Cases reported in a region (any level) on one local day, by source channel.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StatusCount",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("region_path", RegionPathField()),
                ("region_id", fields.IntField()),
                (
                    "status",
                    fields.CharEnumField(
                        description="REPORTED: REPORTED\nACCEPTED: ACCEPTED\nDISPATCHED: DISPATCHED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED\nMERGED: MERGED",
                        enum_type=CaseStatus,
                        max_length=16,
                    ),
                ),
                ("n", fields.BigIntField(default=0)),
            ],
            options={
                "table": "stat_status",
                "app": "models",
                "unique_together": (("region_path", "region_id", "status"),),
                "pk_attr": "id",
                "table_description": "How many cases of a leaf region are in each status now.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=128)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SESSION: SESSION\nAPI: API", enum_type=TokenKind, max_length=16
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "scopes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="issued_tokens",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "api_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer token. Only an HMAC of the token is stored; the token is shown once.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartyOrganisation",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="COMMITTEE: COMMITTEE\nBRANCH: BRANCH",
                        enum_type=OrganisationKind,
                        max_length=16,
                    ),
                ),
                ("name_ko", fields.CharField(max_length=128)),
                ("name_zh", fields.CharField(max_length=128)),
                ("name_en", fields.CharField(max_length=128)),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "models.PartyOrganisation",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="region_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="party_organisations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("region_path", RegionPathField(db_index=True)),
                ("workplace", fields.CharField(default="", max_length=128)),
                (
                    "secretary",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="secretary_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="led_organisations",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "community",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="community_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="registered_organisations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("community_path", RegionPathField(null=True, db_index=True)),
                (
                    "registration",
                    fields.CharEnumField(
                        null=True,
                        description="PENDING: PENDING\nCONFIRMED: CONFIRMED",
                        enum_type=RegistrationStatus,
                        max_length=16,
                    ),
                ),
                (
                    "registered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "confirmed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "party_organisation",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A committee or a branch, tied to a region or a workplace; registers with a community.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ListItem",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        db_index=True,
                        description="PROJECT: PROJECT\nDIFFICULTY: DIFFICULTY\nWISH: WISH",
                        enum_type=ListItemKind,
                        max_length=16,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        db_index=True,
                        description="OPEN: OPEN\nCLAIMED: CLAIMED\nDONE: DONE\nVERIFIED: VERIFIED",
                        enum_type=ListItemStatus,
                        max_length=16,
                    ),
                ),
                (
                    "region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="region_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="list_items",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("region_path", RegionPathField(db_index=True)),
                (
                    "requested_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="requested_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="requested_list_items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="created_list_items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "claimed_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="claimed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="claimed_list_items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "organisation",
                    fields.ForeignKeyField(
                        "models.PartyOrganisation",
                        source_field="organisation_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="list_items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "due_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("claimed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("done_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("completion_note", fields.TextField(default="", unique=False)),
                (
                    "verified_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "verified_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="verified_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="verified_list_items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("sent_back_reason", fields.TextField(default="", unique=False)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "list_item",
                "app": "models",
                "indexes": [Index(fields=["kind", "region_path"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartyMember",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.OneToOneField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="party_profile",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "organisation",
                    fields.ForeignKeyField(
                        "models.PartyOrganisation",
                        source_field="organisation_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="members",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("workplace", fields.CharField(default="", max_length=128)),
                ("skills_text", fields.CharField(default="|", max_length=512)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="community_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="registered_members",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("community_path", RegionPathField(null=True, db_index=True)),
                (
                    "registration",
                    fields.CharEnumField(
                        null=True,
                        description="PENDING: PENDING\nCONFIRMED: CONFIRMED",
                        enum_type=RegistrationStatus,
                        max_length=16,
                    ),
                ),
                (
                    "registered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "confirmed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "confirmed_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="confirmed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="confirmed_members",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("service_minutes", fields.IntField(default=0)),
                ("service_count", fields.IntField(default=0)),
                ("points", fields.IntField(default=0)),
                (
                    "last_served_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "party_member",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The Party member profile of an account: where they belong, serve and what they did.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ListItemPhoto",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "list_item",
                    fields.ForeignKeyField(
                        "models.ListItem",
                        source_field="list_item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="photos",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("file_name", fields.CharField(max_length=128)),
                ("thumb_name", fields.CharField(max_length=128)),
                ("content_type", fields.CharField(max_length=32)),
                ("size", fields.IntField()),
                ("width", fields.IntField()),
                ("height", fields.IntField()),
                (
                    "uploaded_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="uploaded_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="list_item_photos",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "list_item_photo", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Category",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=48)),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "models.Category",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name_ko", fields.CharField(max_length=128)),
                ("name_zh", fields.CharField(max_length=128)),
                ("name_en", fields.CharField(max_length=128)),
                ("claim_minutes", fields.IntField(default=120)),
                ("resolve_hours", fields.IntField(default=72)),
                (
                    "sla_overrides",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("sort_order", fields.IntField(default=0)),
            ],
            options={"table": "category", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=48)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="GOVERNMENT: GOVERNMENT\nENTERPRISE: ENTERPRISE",
                        enum_type=DepartmentKind,
                        max_length=16,
                    ),
                ),
                ("name_ko", fields.CharField(max_length=128)),
                ("name_zh", fields.CharField(max_length=128)),
                ("name_en", fields.CharField(max_length=128)),
                (
                    "region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="region_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="departments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "categories",
                    fields.ManyToManyField(
                        "models.Category",
                        unique=True,
                        db_constraint=True,
                        through="department_category",
                        forward_key="category_id",
                        backward_key="department_id",
                        related_name="departments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={"table": "department", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Case",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("number", fields.CharField(unique=True, max_length=32)),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(unique=False)),
                (
                    "category",
                    fields.ForeignKeyField(
                        "models.Category",
                        source_field="category_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "source",
                    fields.CharEnumField(
                        description="APP_PHOTO: APP_PHOTO\nHOTLINE_12345: HOTLINE_12345\nSTREET_WHISTLE: STREET_WHISTLE\nSELF_MEDIA: SELF_MEDIA\nLETTERS_VISITS: LETTERS_VISITS\nDOOR_TO_DOOR: DOOR_TO_DOOR\nPARTY_LISTENING: PARTY_LISTENING\nOTHER: OTHER",
                        enum_type=Source,
                        max_length=24,
                    ),
                ),
                (
                    "urgency",
                    fields.CharEnumField(
                        default=Urgency.NORMAL,
                        description="NORMAL: NORMAL\nURGENT: URGENT\nCRITICAL: CRITICAL",
                        enum_type=Urgency,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        db_index=True,
                        description="REPORTED: REPORTED\nACCEPTED: ACCEPTED\nDISPATCHED: DISPATCHED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED\nMERGED: MERGED",
                        enum_type=CaseStatus,
                        max_length=16,
                    ),
                ),
                (
                    "level",
                    fields.CharEnumField(
                        default=RegionLevel.COMMUNITY,
                        description="PREFECTURE: PREFECTURE\nCITY: CITY\nSTREET: STREET\nCOMMUNITY: COMMUNITY\nGRID: GRID",
                        enum_type=RegionLevel,
                        max_length=16,
                    ),
                ),
                (
                    "queue_region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="queue_region_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="queued_cases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="region_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("region_path", RegionPathField(db_index=True)),
                ("address", fields.CharField(default="", max_length=255)),
                ("latitude", fields.FloatField(null=True)),
                ("longitude", fields.FloatField(null=True)),
                (
                    "reporter",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="reporter_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reported_cases",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("caller_name", fields.CharField(null=True, max_length=64)),
                ("caller_phone", fields.CharField(null=True, max_length=32)),
                (
                    "lead_department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="lead_department_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="led_cases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("self_handled", fields.BooleanField(default=False)),
                (
                    "claim_due_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                (
                    "resolve_due_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("claimed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("arrived_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "resolved_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "satisfaction",
                    fields.CharEnumField(
                        null=True,
                        description="SATISFIED: SATISFIED\nBASICALLY_SATISFIED: BASICALLY_SATISFIED\nUNSATISFIED: UNSATISFIED",
                        enum_type=Satisfaction,
                        max_length=24,
                    ),
                ),
                (
                    "duplicate_of",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="duplicate_of_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="duplicates",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("external_ref", fields.CharField(null=True, max_length=128)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "updated_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "case",
                "app": "models",
                "unique_together": (("source", "external_ref"),),
                "indexes": [
                    Index(
                        fields=[
                            "status",
                            "region_path",
                            "region_id",
                            "resolve_due_at",
                            "claim_due_at",
                        ]
                    )
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoleBinding",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bindings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        description="RESIDENT: RESIDENT\nGRID_WORKER: GRID_WORKER\nBLOCK_HEAD: BLOCK_HEAD\nCOMMUNITY_STAFF: COMMUNITY_STAFF\nSTREET_STAFF: STREET_STAFF\nCITY_STAFF: CITY_STAFF\nDEPARTMENT_STAFF: DEPARTMENT_STAFF\nPARTY_MEMBER: PARTY_MEMBER\nLEADER: LEADER\nADMIN: ADMIN\nDISPLAY: DISPLAY\nINTEGRATION: INTEGRATION",
                        enum_type=Role,
                        max_length=24,
                    ),
                ),
                (
                    "region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="region_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="bindings",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="department_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="bindings",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "role_binding",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A role held within a scope: a region subtree, or a department.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseDepartment",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="departments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="department_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="case_links",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        description="LEAD: LEAD\nASSIST: ASSIST",
                        enum_type=DepartmentRole,
                        max_length=8,
                    ),
                ),
                ("summoned_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("claimed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "case_department",
                "app": "models",
                "unique_together": (("case", "department"),),
                "pk_attr": "id",
                "table_description": "A department on a case: lead or assisting, with when it was summoned and claimed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseEvent",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="timeline",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="REPORTED: REPORTED\nACCEPTED: ACCEPTED\nREJECTED: REJECTED\nMERGED: MERGED\nWHISTLED: WHISTLED\nCLAIMED: CLAIMED\nSELF_HANDLED: SELF_HANDLED\nARRIVED: ARRIVED\nRESOLVED: RESOLVED\nRATED: RATED\nREOPENED: REOPENED\nCLOSED: CLOSED\nESCALATED: ESCALATED\nCOMMENTED: COMMENTED",
                        enum_type=CaseEventKind,
                        max_length=24,
                    ),
                ),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="case_events",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="department_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="case_events",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "status_before",
                    fields.CharEnumField(
                        null=True,
                        description="REPORTED: REPORTED\nACCEPTED: ACCEPTED\nDISPATCHED: DISPATCHED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED\nMERGED: MERGED",
                        enum_type=CaseStatus,
                        max_length=16,
                    ),
                ),
                (
                    "status_after",
                    fields.CharEnumField(
                        null=True,
                        description="REPORTED: REPORTED\nACCEPTED: ACCEPTED\nDISPATCHED: DISPATCHED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED\nMERGED: MERGED",
                        enum_type=CaseStatus,
                        max_length=16,
                    ),
                ),
                ("note", fields.TextField(default="", unique=False)),
                (
                    "data",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "case_event",
                "app": "models",
                "indexes": [Index(fields=["case_id", "id"])],
                "pk_attr": "id",
                "table_description": "One step of a case's timeline.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseRating",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ratings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "satisfaction",
                    fields.CharEnumField(
                        description="SATISFIED: SATISFIED\nBASICALLY_SATISFIED: BASICALLY_SATISFIED\nUNSATISFIED: UNSATISFIED",
                        enum_type=Satisfaction,
                        max_length=24,
                    ),
                ),
                ("comment", fields.TextField(default="", unique=False)),
                (
                    "lead_department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="lead_department_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="ratings",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "rated_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="rated_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="ratings",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "case_rating",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Every rating counts, so an UNSATISFIED that reopened a case still counts against it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ListItemCase",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "list_item",
                    fields.ForeignKeyField(
                        "models.ListItem",
                        source_field="list_item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="case_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="list_item_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "list_item_case",
                "app": "models",
                "unique_together": (("list_item", "case"),),
                "pk_attr": "id",
                "table_description": "A case a list item was made from: the case links back through this row.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Photo",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="photos",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="REPORT: REPORT\nRESOLUTION: RESOLUTION",
                        enum_type=PhotoKind,
                        max_length=16,
                    ),
                ),
                ("file_name", fields.CharField(max_length=128)),
                ("thumb_name", fields.CharField(max_length=128)),
                ("content_type", fields.CharField(max_length=32)),
                ("size", fields.IntField()),
                ("width", fields.IntField()),
                ("height", fields.IntField()),
                (
                    "uploaded_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="uploaded_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="photos",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "photo", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ServiceTask",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                ("place", fields.CharField(default="", max_length=255)),
                (
                    "region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="region_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="service_tasks",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("region_path", RegionPathField(db_index=True)),
                (
                    "starts_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "ends_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("slots", fields.IntField()),
                ("taken", fields.IntField(default=0)),
                ("skills_text", fields.CharField(default="|", max_length=512)),
                ("open_to_all", fields.BooleanField(default=False)),
                (
                    "origin_list_item",
                    fields.ForeignKeyField(
                        "models.ListItem",
                        source_field="origin_list_item_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="spawned_tasks",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "origin_case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="origin_case_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="service_tasks",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="posted_tasks",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "cancelled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("cancel_reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "service_task", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Whistle",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="whistles",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "level",
                    fields.CharEnumField(
                        description="PREFECTURE: PREFECTURE\nCITY: CITY\nSTREET: STREET\nCOMMUNITY: COMMUNITY\nGRID: GRID",
                        enum_type=RegionLevel,
                        max_length=16,
                    ),
                ),
                (
                    "region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="region_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="whistles",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "whistled_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="whistled_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="whistles",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("note", fields.TextField(default="", unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=WhistleStatus.OPEN,
                        description="OPEN: OPEN\nANSWERED: ANSWERED\nESCALATED: ESCALATED\nCLOSED: CLOSED",
                        enum_type=WhistleStatus,
                        max_length=16,
                    ),
                ),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "answered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "escalated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "whistle",
                "app": "models",
                "indexes": [Index(fields=["status", "due_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Assignment",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "task",
                    fields.ForeignKeyField(
                        "models.ServiceTask",
                        source_field="task_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "models.PartyMember",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="SIGNED_UP: SIGNED_UP\nCHECKED_IN: CHECKED_IN\nCOMPLETED: COMPLETED\nCANCELLED: CANCELLED\nNO_SHOW: NO_SHOW",
                        enum_type=AssignmentStatus,
                        max_length=16,
                    ),
                ),
                ("live", fields.BooleanField(null=True, default=True)),
                ("signed_up_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "cancelled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "checked_in_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("check_in_latitude", fields.FloatField(null=True)),
                ("check_in_longitude", fields.FloatField(null=True)),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "completed_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="completed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="completed_assignments",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("service_minutes", fields.IntField(default=0)),
                ("no_show_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "assignment",
                "app": "models",
                "unique_together": (("task", "member", "live"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WhistleResponse",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "whistle",
                    fields.ForeignKeyField(
                        "models.Whistle",
                        source_field="whistle_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="responses",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="department_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="whistle_responses",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("designated_lead", fields.BooleanField(default=False)),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("claimed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "claimed_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="claimed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="whistle_claims",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "whistle_response",
                "app": "models",
                "unique_together": (("whistle", "department"),),
                "pk_attr": "id",
                "table_description": "One summoned department's answer to a whistle, timed against the whistle's deadline.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Category",
            name="default_departments",
            field=fields.ManyToManyField(
                "models.Department",
                unique=True,
                db_constraint=True,
                through="category_default_department",
                forward_key="department_id",
                backward_key="category_id",
                related_name="default_for",
                on_delete=OnDelete.CASCADE,
            ),
        ),
    ]
