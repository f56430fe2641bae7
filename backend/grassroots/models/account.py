"""Accounts (people and machines), their role bindings and their tokens."""

from tortoise import fields

from .base import Model
from .enums import AccountKind, Role, TokenKind


class Account(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=128)
    phone = fields.CharField(max_length=32, null=True)
    password_hash = fields.CharField(max_length=255, null=True)
    kind = fields.CharEnumField(AccountKind, max_length=16, default=AccountKind.PERSON)
    locale = fields.CharField(max_length=8, default="ko")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "account"


class RoleBinding(Model):
    """A role held within a scope: a region subtree, or a department."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="bindings", on_delete=fields.CASCADE
    )
    account_id: int
    role = fields.CharEnumField(Role, max_length=24)
    region: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Region", related_name="bindings", null=True, on_delete=fields.RESTRICT
    )
    region_id: int | None
    department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Department", related_name="bindings", null=True, on_delete=fields.RESTRICT
    )
    department_id: int | None

    class Meta:
        table = "role_binding"
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("account_id",),)


class ApiToken(Model):
    """A bearer token. Only an HMAC of the token is stored; the token is shown once."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="tokens", on_delete=fields.CASCADE
    )
    account_id: int
    name = fields.CharField(max_length=128)
    kind = fields.CharEnumField(TokenKind, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    scopes: fields.Field[list] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="issued_tokens", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None

    class Meta:
        table = "api_token"
        # Look-ups by these keys (loaders, filters) must not scan the table.
        indexes = (("account_id",),)
