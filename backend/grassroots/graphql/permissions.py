"""Permission classes for fields; finer rules (scope, object access) live in workflow/."""

from typing import Any

from strawberry.permission import BasePermission

from .context import Info


class IsAuthenticated(BasePermission):
    message = "Sign in first"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.actor is not None
