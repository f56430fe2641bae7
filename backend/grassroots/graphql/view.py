"""The GraphQL endpoint: builds the typed Context (actor, runtime, loaders) per request."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from ..live.hub import EventHub
from ..workflow.auth import authenticate_account
from ..workflow.runtime import Runtime
from .context import Context
from .limits import RateLimits


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, schema: Any, rt: Runtime, hub: EventHub | None = None) -> None:
        settings = rt.settings
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            # GET would let a cross-site <img> run queries with the user's credentials.
            allow_queries_via_get=False,
            multipart_uploads_enabled=True,
        )
        self.rt = rt
        self.hub = hub
        self.limits = RateLimits(
            settings.rate_limit_login_per_minute, settings.rate_limit_mutations_per_minute
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        token = bearer_token(request.headers.get("authorization"))
        found = await authenticate_account(self.rt, token) if token else None
        context = Context(
            rt=self.rt,
            actor=found.actor if found else None,
            request=request,
            response=response,
            hub=self.hub,
            limits=self.limits,
        )
        if found is not None:
            # Authentication read the account row already: `me` and friends reuse it.
            context.loaders.account_by_id.prime(found.actor.account_id, found.account)
        return context
