"""Passwords, bearer tokens, and turning a token into an Actor."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..db import atomic, connection
from ..live import eventlog
from ..models import Account, ApiToken, Event, Region, RoleBinding
from ..models.enums import AccountKind, Role, TokenKind
from .actor import Actor, Binding
from .errors import ErrorCode, WorkflowError, denied, invalid, not_found
from .runtime import Runtime
from .stats import portable

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("grassroots-dummy-password")

TOKEN_PREFIX = "gr_"
MACHINE_ROLES = {Role.INTEGRATION, Role.DISPLAY}
KNOWN_SCOPES = frozenset({"cases:intake", "cases:read", "events:read"})
# Token events belong to no region (eventlog.OUTSIDE_REGIONS): every process's live endpoint
# hears them (it follows the whole log) and closes that token's sockets.
TOKEN_CREATED = "token.created"
TOKEN_REVOKED = "token.revoked"


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


# Every request authenticates, so the token, its account and the account's bindings come in
# one query (one row per binding) rather than three. The account's own columns come along
# (prefixed), so a request that reads the signed-in account (`me`) needs no second query.
_ACCOUNT_COLUMNS = tuple(Account._meta.db_fields)
_ACTOR_SQL = (
    "SELECT t.id AS token_id, t.scopes, t.expires_at, "
    + ", ".join(f'a."{c}" AS "account.{c}"' for c in _ACCOUNT_COLUMNS)
    + ", b.role, b.region_id, b.department_id, r.path"
    " FROM api_token t JOIN account a ON a.id = t.account_id"
    " LEFT JOIN role_binding b ON b.account_id = a.id"
    " LEFT JOIN region r ON r.id = b.region_id"
    " WHERE t.token_hash = ? AND t.revoked_at IS NULL ORDER BY b.id"
)


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    account: Account  # the row as read: shared by requests, never to be changed in place
    expires_at: datetime | None


async def authenticate_account(rt: Runtime, token: str) -> Authenticated | None:
    """The actor behind a bearer token and its account row, or None when the token is
    unknown, expired or revoked, or its account is disabled. Recently checked tokens come
    from the process's cache (token_cache.py)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = token_digest(rt.settings.secret_key, token)
    found = rt.tokens.get(digest)
    if found is None:
        generation = rt.tokens.generation
        found = await _read_token(digest)
        if found is None:
            return None
        rt.tokens.put(digest, found, generation)
    if found.expires_at is not None and found.expires_at <= rt.clock.now():
        return None
    return found


async def _read_token(digest: str) -> Authenticated | None:
    rows = await connection().execute_query_dict(portable(_ACTOR_SQL), [digest])
    if not rows or not rows[0]["account.is_active"]:
        return None
    first, fields = rows[0], ApiToken._meta.fields_map
    expires_at = fields["expires_at"].to_python_value(first["expires_at"])
    # Built as Tortoise builds a row it selected itself (values converted per field).
    account = Account._init_from_db(**{c: first[f"account.{c}"] for c in _ACCOUNT_COLUMNS})
    actor = Actor(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        bindings=tuple(
            Binding(
                role=Role(r["role"]),
                region_id=r["region_id"],
                region_path=r["path"],
                department_id=r["department_id"],
            )
            for r in rows
            if r["role"] is not None
        ),
        scopes=frozenset(fields["scopes"].to_python_value(first["scopes"]) or ()),
        token_id=first["token_id"],
    )
    return Authenticated(actor, account, expires_at)


async def authenticate(rt: Runtime, token: str) -> Actor | None:
    """The actor behind a bearer token, or None when it is unknown, expired or revoked."""
    found = await authenticate_account(rt, token)
    return found.actor if found else None


def forget_revoked(rt: Runtime, event: Event) -> None:
    """A token revoked anywhere (the event log's token.revoked) leaves this process's cache."""
    if event.kind == TOKEN_REVOKED:
        rt.tokens.forget_token(event.subject_id)


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
        token, row = await issue_token(
            rt, account, name=name, kind=TokenKind.API, scopes=scopes, ttl=ttl, created_by=creator
        )
        await eventlog.append(
            kind=TOKEN_CREATED,
            region_path=eventlog.OUTSIDE_REGIONS,
            subject_type="ApiToken",
            subject_id=row.id,
            actor_id=actor.account_id,
            at=row.created_at,
            payload={
                "tokenId": row.id,
                "name": name,
                "role": role.value,
                "regionId": region.id,
                "scopes": sorted(scopes),
            },
        )
        return token, row


async def revoke_token(rt: Runtime, actor: Actor, token_id: int) -> ApiToken:
    row = await ApiToken.get_or_none(id=token_id)
    # Another account's token is "not found" to all but admins: ids do not tell what exists.
    if row is None or not (actor.is_admin or row.account_id == actor.account_id):
        raise not_found("Token", "tokenId")
    if row.revoked_at is not None:
        return row
    now = rt.clock.now()
    async with atomic():
        await ApiToken.filter(id=row.id).update(revoked_at=now)
        row.revoked_at = now
        await eventlog.append(
            kind=TOKEN_REVOKED,
            region_path=eventlog.OUTSIDE_REGIONS,
            subject_type="ApiToken",
            subject_id=row.id,
            actor_id=actor.account_id,
            at=now,
            payload={"tokenId": row.id},
        )
    rt.tokens.forget_token(row.id)  # other processes drop it when they hear the event
    return row
