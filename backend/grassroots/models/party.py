"""Party organisations (committee › branch) and the Party member profile of an account."""

from enum import StrEnum

from tortoise import fields

from .base import Model
from .fields import RegionPathField


class OrganisationKind(StrEnum):
    COMMITTEE = "COMMITTEE"
    BRANCH = "BRANCH"


class RegistrationStatus(StrEnum):
    """A member's or an organisation's registration with a community (双报到)."""

    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"


class PartyOrganisation(Model):
    """A committee or a branch, tied to a region or a workplace; registers with a community."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(OrganisationKind, max_length=16)
    name_ko = fields.CharField(max_length=128)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    parent: fields.ForeignKeyNullableRelation["PartyOrganisation"] = fields.ForeignKeyField(
        "models.PartyOrganisation", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    # Where it sits: a region, and for a workplace's branch the workplace's name.
    region: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Region", related_name="party_organisations", on_delete=fields.RESTRICT
    )
    region_id: int
    region_path = RegionPathField(db_index=True)
    workplace = fields.CharField(max_length=128, default="")
    secretary: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="led_organisations", null=True, on_delete=fields.SET_NULL
    )
    secretary_id: int | None
    # Double registration (双报到): the community it registered to serve.
    community: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Region",
        related_name="registered_organisations",
        null=True,
        on_delete=fields.RESTRICT,
    )
    community_id: int | None
    community_path = RegionPathField(null=True, db_index=True)
    registration = fields.CharEnumField(RegistrationStatus, max_length=16, null=True)
    registered_at = fields.DatetimeField(null=True)
    confirmed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "party_organisation"


class PartyMember(Model):
    """The Party member profile of an account: where they belong, serve and what they did."""

    id = fields.IntField(primary_key=True)
    account: fields.OneToOneRelation = fields.OneToOneField(
        "models.Account", related_name="party_profile", on_delete=fields.CASCADE
    )
    account_id: int
    organisation: fields.ForeignKeyNullableRelation[PartyOrganisation] = fields.ForeignKeyField(
        "models.PartyOrganisation", related_name="members", null=True, on_delete=fields.SET_NULL
    )
    organisation_id: int | None
    workplace = fields.CharField(max_length=128, default="")
    # "|first aid|plumbing|": a skill is found with a LIKE on "|skill|" on every database.
    skills_text = fields.CharField(max_length=512, default="|")
    community: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Region", related_name="registered_members", null=True, on_delete=fields.RESTRICT
    )
    community_id: int | None
    community_path = RegionPathField(null=True, db_index=True)
    registration = fields.CharEnumField(RegistrationStatus, max_length=16, null=True)
    registered_at = fields.DatetimeField(null=True)
    confirmed_at = fields.DatetimeField(null=True)
    confirmed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="confirmed_members", null=True, on_delete=fields.SET_NULL
    )
    confirmed_by_id: int | None
    service_minutes = fields.IntField(default=0)
    service_count = fields.IntField(default=0)
    points = fields.IntField(default=0)
    last_served_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "party_member"
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("organisation_id",),)

    @property
    def skills(self) -> list[str]:
        return [s for s in self.skills_text.split("|") if s]


def skills_text(skills: list[str]) -> str:
    return "|" + "".join(f"{s}|" for s in skills)
