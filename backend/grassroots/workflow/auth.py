"""Passwords, bearer tokens, and turning a token into an Actor."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..db import atomic
from ..models import Account, ApiToken, Region, RoleBinding
from ..models.enums import AccountKind, Role, TokenKind
from .actor import Actor, Binding
from .errors import ErrorCode, WorkflowError, denied, invalid, not_found
from .runtime import Runtime

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("grassroots-dummy-password")

TOKEN_PREFIX = "gr_"
MACHINE_ROLES = {Role.INTEGRATION, Role.DISPLAY}
KNOWN_SCOPES = frozenset({"cases:intake", "cases:read", "events:read"})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def issue_token(
    rt: Runtime,
    account: Account,
    *,
    name: str,
    kind: TokenKind,
    scopes: list[str] | None = None,
    ttl: timedelta | None = None,
    created_by: Account | None = None,
) -> tuple[str, ApiToken]:
    token = new_token()
    now = rt.clock.now()
    row = await ApiToken.create(
        account=account,
        name=name,
        kind=kind,
        token_hash=token_digest(rt.settings.secret_key, token),
        scopes=sorted(scopes or []),
        created_at=now,
        expires_at=now + ttl if ttl else None,
        created_by=created_by,
    )
    return token, row


async def login(rt: Runtime, username: str, password: str) -> tuple[str, ApiToken, Account]:
    """A session token for a person; the same error whether the user or the password is wrong."""
    account = await Account.get_or_none(username=username.strip(), is_active=True)
    ok = verify_password(account.password_hash if account else None, password)
    if account is None or not ok:
        raise WorkflowError(ErrorCode.INVALID_CREDENTIALS, "Wrong username or password", "password")
    ttl = timedelta(hours=rt.settings.token_ttl_hours)
    token, row = await issue_token(rt, account, name="login", kind=TokenKind.SESSION, ttl=ttl)
    return token, row, account


async def load_actor(account: Account, token: ApiToken | None = None) -> Actor:
    rows = await RoleBinding.filter(account_id=account.id).values(
        "role", "region_id", "department_id"
    )
    region_ids = {r["region_id"] for r in rows if r["region_id"] is not None}
    paths = (
        dict(await Region.filter(id__in=region_ids).values_list("id", "path")) if region_ids else {}
    )
    bindings = tuple(
        Binding(
            role=Role(r["role"]),
            region_id=r["region_id"],
            region_path=paths.get(r["region_id"]),
            department_id=r["department_id"],
        )
        for r in rows
    )
    return Actor(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        bindings=bindings,
        scopes=frozenset(token.scopes if token else ()),
        token_id=token.id if token else None,
    )


async def authenticate(rt: Runtime, token: str) -> Actor | None:
    """The actor behind a bearer token, or None when it is unknown, expired or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = await ApiToken.get_or_none(
        token_hash=token_digest(rt.settings.secret_key, token), revoked_at=None
    ).select_related("account")
    if row is None or not row.account.is_active:
        return None
    if row.expires_at is not None and row.expires_at <= rt.clock.now():
        return None
    return await load_actor(row.account, row)


async def create_api_token(
    rt: Runtime,
    actor: Actor,
    *,
    name: str,
    role: Role,
    region_id: int,
    scopes: list[str],
    expires_in_days: int | None = None,
) -> tuple[str, ApiToken]:
    """A machine account (INTEGRATION or DISPLAY) bound to a region, and its token."""
    name = name.strip()
    if not name or len(name) > 64:
        raise invalid("name", "Name must be 1 to 64 characters")
    if role not in MACHINE_ROLES:
        raise invalid("role", "Only INTEGRATION and DISPLAY tokens can be created")
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise invalid("scopes", f"Unknown scopes: {', '.join(unknown)}")
    if role is Role.DISPLAY and scopes:
        raise invalid("scopes", "A DISPLAY token takes no scopes; it reads its region")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise invalid("expiresInDays", "Must be between 1 and 3650 days")
    region = await Region.get_or_none(id=region_id)
    if region is None:
        raise not_found("Region", "regionId")
    if not (actor.is_admin or actor.covers(region.path, {Role.CITY_STAFF})):
        raise denied("Only admins and city staff over that region may create API tokens")
    async with atomic():
        username = f"{role.value.lower()}:{name}"
        if await Account.exists(username=username):
            raise invalid("name", "A token account with that name exists already")
        account = await Account.create(
            username=username,
            display_name=name,
            kind=AccountKind.MACHINE,
            created_at=rt.clock.now(),
        )
        await RoleBinding.create(account=account, role=role, region_id=region.id)
        creator = await Account.get(id=actor.account_id)
        ttl = timedelta(days=expires_in_days) if expires_in_days else None
        return await issue_token(
            rt, account, name=name, kind=TokenKind.API, scopes=scopes, ttl=ttl, created_by=creator
        )


async def revoke_token(rt: Runtime, actor: Actor, token_id: int) -> ApiToken:
    row = await ApiToken.get_or_none(id=token_id)
    if row is None:
        raise not_found("Token", "tokenId")
    if not (actor.is_admin or row.account_id == actor.account_id):
        raise denied("Only admins may revoke other accounts' tokens", "tokenId")
    row.revoked_at = rt.clock.now()
    await row.save(update_fields=["revoked_at"])
    return row
