"""The GraphQL endpoint: builds the typed Context (actor, runtime, loaders) per request."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter

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

    # orjson: a page of 50 cases spent 5% of its CPU in the standard library's encoder; and
    # Korean and Chinese go out as UTF-8 (3 bytes a character) rather than \uXXXX (6).
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # its JSONDecodeError is json's: Strawberry answers 400

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The JSON POST every client sends, without Strawberry's general parse (its
        content-type parsing through email.message alone costs ~10 µs a request). Anything
        else — parameters, uploads, streaming, batches, odd bodies — takes Strawberry's path
        and its errors."""
        accept = request.headers.get("accept", "")
        if (
            request.method == "POST"
            and request.content_type == "application/json"
            and "multipart" not in accept
            and "event-stream" not in accept
        ):
            data = self.parse_json(await request.get_body())
            if (
                isinstance(data, dict)
                and isinstance(data.get("query"), str)
                and isinstance(data.get("variables"), dict | None)
                and isinstance(data.get("extensions"), dict | None)
            ):
                return GraphQLRequestData(
                    query=data["query"],
                    variables=data.get("variables"),
                    operation_name=data.get("operationName"),
                    extensions=data.get("extensions"),
                )
        return await super().parse_http_body(request)

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
