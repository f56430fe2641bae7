"""The typed per-request context: who is asking, the runtime, and the request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as _Info

from ..live.hub import EventHub
from ..workflow.actor import Actor
from ..workflow.runtime import Runtime
from .limits import RateLimits
from .loaders import Loaders


@dataclass
class Context:
    rt: Runtime
    actor: Actor | None
    request: Any = None
    response: Any = None
    loaders: Loaders = field(init=False)
    connection_params: dict[str, Any] | None = None
    hub: EventHub | None = None
    limits: RateLimits | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.rt)


Info = _Info[Context, None]
