"""Creating accounts and binding them to roles."""

from __future__ import annotations

from ..db import atomic
from ..models import Account, Region, RoleBinding
from ..models.enums import Role
from .auth import hash_password
from .errors import invalid, not_found
from .runtime import Runtime

MIN_PASSWORD = 8


async def create_admin(rt: Runtime, username: str, password: str, region_code: str) -> Account:
    username = username.strip()
    if not username or len(username) > 64:
        raise invalid("username", "username must be 1 to 64 characters")
    if len(password) < MIN_PASSWORD:
        raise invalid("password", f"password must be at least {MIN_PASSWORD} characters")
    region = await Region.get_or_none(code=region_code)
    if region is None:
        raise not_found("Region", "region")
    async with atomic():
        if await Account.exists(username=username):
            raise invalid("username", "that username is taken")
        account = await Account.create(
            username=username,
            display_name=username,
            password_hash=hash_password(password),
            created_at=rt.clock.now(),
        )
        await RoleBinding.create(account=account, role=Role.ADMIN, region=region)
    return account
