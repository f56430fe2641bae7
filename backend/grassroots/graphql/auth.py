"""Signing in, who am I, and API tokens for machines (INTEGRATION, DISPLAY)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from .. import models
from ..workflow import auth as flow
from ..workflow.errors import WorkflowError, denied
from .accounts import AccountType
from .context import Info
from .enums import Role
from .errors import UserError, decode_id, user_errors


@strawberry.input
class LoginInput:
    username: str
    password: str


@strawberry.type
class LoginPayload:
    token: str | None = strawberry.field(
        default=None, description="Send as `Authorization: Bearer <token>`"
    )
    expires_at: datetime | None = None
    account: AccountType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateApiTokenInput:
    name: str
    role: Role = strawberry.field(description="INTEGRATION or DISPLAY")
    region_id: strawberry.ID
    scopes: list[str] = strawberry.field(
        default_factory=list,
        description="For INTEGRATION: cases:intake (push cases in), cases:read (read the "
        "region's cases, list items, dashboard and exports), events:read (its event log "
        "and webhooks); it reads nothing without them",
    )
    expires_in_days: int | None = None


@strawberry.type
class ApiToken:
    id: strawberry.ID
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None


@strawberry.type
class CreateApiTokenPayload:
    token: str | None = strawberry.field(default=None, description="Shown once; store it now")
    api_token: ApiToken | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiTokenInput:
    token_id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiToken | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _token(row: models.ApiToken) -> ApiToken:
    return ApiToken(
        id=strawberry.ID(str(strawberry.relay.GlobalID("ApiToken", str(row.id)))),
        name=row.name,
        scopes=list(row.scopes),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


@strawberry.type
class AuthQueries:
    @strawberry.field(description="The signed-in account, or null")
    async def me(self, info: Info) -> AccountType | None:
        actor = info.context.actor
        if actor is None:
            return None
        row = await info.context.loaders.account_by_id.load(actor.account_id)
        return AccountType.of(row) if row else None


@strawberry.type
class AuthMutations:
    @strawberry.mutation
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        try:
            token, row, account = await flow.login(info.context.rt, input.username, input.password)
        except WorkflowError as error:
            return LoginPayload(user_errors=user_errors(error))
        return LoginPayload(token=token, expires_at=row.expires_at, account=AccountType.of(account))

    @strawberry.mutation(description="A token for a wall screen or another system; admins only")
    async def create_api_token(
        self, info: Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        ctx = info.context
        try:
            if ctx.actor is None:
                raise denied("Sign in first")
            token, row = await flow.create_api_token(
                ctx.rt,
                ctx.actor,
                name=input.name,
                role=input.role,
                region_id=decode_id(input.region_id, "Region", "regionId"),
                scopes=list(input.scopes),
                expires_in_days=input.expires_in_days,
            )
        except WorkflowError as error:
            return CreateApiTokenPayload(user_errors=user_errors(error))
        return CreateApiTokenPayload(token=token, api_token=_token(row))

    @strawberry.mutation
    async def revoke_api_token(
        self, info: Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        ctx = info.context
        try:
            if ctx.actor is None:
                raise denied("Sign in first")
            token_id = decode_id(input.token_id, "ApiToken", "tokenId")
            row = await flow.revoke_token(ctx.rt, ctx.actor, token_id)
        except WorkflowError as error:
            return RevokeApiTokenPayload(user_errors=user_errors(error))
        return RevokeApiTokenPayload(api_token=_token(row))
