"""GraphQL over WebSocket (the graphql-transport-ws protocol) with fan-out by cohort.

A stock subscription executes and serialises every event once per subscriber. Here the
subscriptions that would produce the same bytes — same feed, same selection, same
visibility — form a cohort: each event is executed and serialised once per cohort, and
every member gets the same text with only its operation id spliced in. Each connection has a
bounded outbox; one that falls behind is closed with CLOSE_TOO_SLOW and reconnects with
`since`, so it never slows the others nor holds memory without bound.

Queries and mutations sent over the socket are executed normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict, deque
from collections.abc import Coroutine, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    execute,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ..live.eventlog import read_after
from ..live.hub import EventHub
from ..models import Event
from ..workflow.auth import TOKEN_REVOKED, authenticate_account
from ..workflow.runtime import Runtime
from .context import Context
from .documents import Documents
from .operations import GrassrootsSchema
from .subscriptions import Feed, feed_for, root_for
from .view import bearer_token

log = logging.getLogger(__name__)

SUBPROTOCOL = "graphql-transport-ws"
CLOSE_BAD_REQUEST = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_INIT_TIMEOUT = 4408
CLOSE_DUPLICATE_ID = 4409
CLOSE_TOO_MANY_INITS = 4429
CLOSE_UNAUTHORIZED = 4401
# Ours: the client fell behind; it should reconnect and resubscribe with `since`.
CLOSE_TOO_SLOW = 4290
REPLAY_BATCH = 500
RENDER_CACHE = 512


@dataclass
class LiveStats:
    connections: int = 0
    subscriptions: int = 0
    cohorts: int = 0
    renders: int = 0
    delivered: int = 0
    too_slow: int = 0


# --- documents -------------------------------------------------------------------------


@dataclass
class Prepared:
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any]  # as sent; execution coerces them
    coerced: VariableValues
    root_field: FieldNode


def prepare(documents: Documents, payload: dict[str, Any]) -> Prepared | list[GraphQLError]:
    query = payload.get("query")
    if not isinstance(query, str):
        return [GraphQLError("payload.query must be a string")]
    document = documents.document(query)
    if isinstance(document, list):
        return document
    operation = get_operation_ast(document, payload.get("operationName"))
    if operation is None:
        return [GraphQLError("Name the operation to run (operationName)")]
    raw = payload.get("variables") or {}
    if not isinstance(raw, dict):
        return [GraphQLError("payload.variables must be an object")]
    schema, definitions = documents.graphql_schema, operation.variable_definitions
    coerced = get_variable_values(schema, definitions or [], raw)
    if isinstance(coerced, list):
        return coerced
    root = next(s for s in operation.selection_set.selections if isinstance(s, FieldNode))
    return Prepared(document, operation, raw, coerced, root)


def root_arguments(documents: Documents, prepared: Prepared) -> dict[str, Any]:
    subscription = documents.graphql_schema.subscription_type
    assert subscription is not None
    definition = subscription.fields[prepared.root_field.name.value]
    return get_argument_values(definition, prepared.root_field, prepared.coerced)


def cohort_key(feed: Feed, prepared: Prepared, visibility: Hashable) -> Hashable:
    """Subscriptions that render every event to the same bytes share one key. The root
    field's own arguments (regionId, since, id) shape the feed, not the rendering."""
    feed_vars = {
        arg.value.name.value
        for arg in prepared.root_field.arguments or ()
        if isinstance(arg.value, VariableNode)
    }
    rendering_vars = {k: v for k, v in prepared.variables.items() if k not in feed_vars}
    return (
        feed.field,
        feed.region_path,
        feed.case_id,
        id(prepared.document),
        prepared.operation.name.value if prepared.operation.name else None,
        json.dumps(rendering_vars, sort_keys=True, default=str),
        visibility,
    )


# --- connections, operations, cohorts ----------------------------------------------------


@dataclass(eq=False)
class Operation:
    """One subscription of one connection."""

    id: str
    connection: Connection
    cohort: Cohort | None = None
    last_seq: int = 0
    replaying: bool = True
    pending: list[tuple[int, str]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def deliver(self, seq: int, payload: str) -> None:
        if self.replaying:
            self.pending.append((seq, payload))
            return
        if seq > self.last_seq:
            self.last_seq = seq
            self.connection.send_next(self.id, payload)


async def finish_send(coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    """Drives a send coroutine that `send_now` started and that suspended: wait for what it
    waits on, resume it, until it returns (its errors propagate as from a plain await)."""
    while True:
        if waiting_on is None:
            await asyncio.sleep(0)
        else:
            await asyncio.wait([waiting_on])  # its outcome is the coroutine's to read
        try:
            waiting_on = coro.send(None)
        except StopIteration:
            return


class Connection:
    def __init__(self, endpoint: LiveEndpoint, ws: WebSocket) -> None:
        self.endpoint = endpoint
        self.ws = ws
        self.ctx: Context | None = None
        self.acked = False
        self.operations: dict[str, Operation] = {}
        self.outbox: deque[str] = deque()
        self.ready = asyncio.Event()
        self.drained = asyncio.Event()
        self.closing = False
        # True while the writer task sends; until then a message may go out directly.
        self.busy = False
        self.inflight: tuple[Coroutine[Any, Any, None], Any] | None = None
        self.expiry: asyncio.Task[None] | None = None

    def send(self, message: dict[str, Any]) -> None:
        self.enqueue(orjson.dumps(message).decode())

    def send_next(self, op_id: str, payload: str) -> None:
        # Only the id differs between the members of a cohort: splice it into shared text.
        self.enqueue(f'{{"id":{json.dumps(op_id)},"type":"next","payload":{payload}}}')
        self.endpoint.stats.delivered += 1

    def enqueue(self, text: str) -> None:
        if self.closing:
            return
        if len(self.outbox) >= self.endpoint.max_outbox:
            self.endpoint.stats.too_slow += 1
            self.close(CLOSE_TOO_SLOW, "Too slow: reconnect and resubscribe with since")
            return
        if not self.outbox and not self.busy:
            self.send_now(text)
            return
        self.outbox.append(text)
        self.ready.set()

    def send_now(self, text: str) -> None:
        """The common case, an idle socket: run the send in the caller's step instead of
        waking the writer task, which saves a task switch per message on the hot path. A
        send that has to wait (a full transport buffer) is finished by the writer."""
        coro = self.ws.send_text(text)
        try:
            waiting_on = coro.send(None)
        except StopIteration:
            return
        except Exception:
            # The socket is gone; the receive loop notices and cleans up.
            self.closing = True
            return
        self.busy = True
        self.inflight = (coro, waiting_on)
        self.ready.set()

    def close(self, code: int, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        self.outbox.clear()
        self.outbox.append(f"\0close:{code}:{reason}")
        self.ready.set()

    async def writer(self) -> None:
        ws = self.ws
        while True:
            await self.ready.wait()
            self.ready.clear()
            self.busy = True
            if self.inflight is not None:
                coro, waiting_on = self.inflight
                self.inflight = None
                await finish_send(coro, waiting_on)
            while self.outbox:
                text = self.outbox.popleft()
                if text.startswith("\0close:"):
                    _, code, reason = text.split(":", 2)
                    with contextlib.suppress(Exception):
                        await ws.close(int(code), reason)
                    return
                await ws.send_text(text)
                if len(self.outbox) <= self.endpoint.max_outbox // 2:
                    self.drained.set()
            self.busy = False

    async def wait_drained(self) -> None:
        """Replay paces itself to the writer instead of filling the outbox."""
        while len(self.outbox) > self.endpoint.max_outbox // 2 and not self.closing:
            self.drained.clear()
            await self.drained.wait()


class Cohort:
    """Subscriptions that render each event identically: executed once, sent to all."""

    def __init__(
        self, endpoint: LiveEndpoint, key: Hashable, feed: Feed, prepared: Prepared, ctx: Context
    ) -> None:
        self.endpoint = endpoint
        self.key = key
        self.feed = feed
        self.prepared = prepared
        self.ctx = ctx
        self.members: set[Operation] = set()
        self.cache: OrderedDict[int, str | None] = OrderedDict()
        self.listener = endpoint.hub.listen(feed.region_path, self.on_event)

    async def render(self, event: Event) -> str | None:
        if event.seq in self.cache:
            return self.cache[event.seq]
        ctx = self.fresh_context()
        root = await root_for(self.feed, event, ctx)
        payload = None if root is None else await self.execute(root, ctx)
        self.cache[event.seq] = payload
        if len(self.cache) > RENDER_CACHE:
            self.cache.popitem(last=False)
        return payload

    def fresh_context(self) -> Context:
        """Loaders cache per render: the case or dashboard has changed since the last one."""
        return Context(rt=self.ctx.rt, actor=self.ctx.actor, hub=self.ctx.hub)

    async def execute(self, root: Any, ctx: Context) -> str:
        """The subscription's selection over `root`, serialised once for every member."""
        operation = self.prepared.operation
        result = execute(
            self.endpoint.documents.graphql_schema,
            self.prepared.document,
            root_value=root,
            context_value=ctx,
            variable_values=self.prepared.variables,
            operation_name=operation.name.value if operation.name else None,
        )
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        self.endpoint.stats.renders += 1
        return result_json(result)  # type: ignore[arg-type]

    async def on_event(self, event: Event) -> None:
        if not self.members or not self.feed.wants(event):
            return
        payload = await self.render(event)
        if payload is None:
            return
        for member in list(self.members):
            member.deliver(event.seq, payload)

    def remove(self, op: Operation) -> None:
        self.members.discard(op)
        if not self.members:
            self.endpoint.hub.unlisten(self.listener)
            self.endpoint.cohorts.pop(self.key, None)
            self.endpoint.stats.cohorts = len(self.endpoint.cohorts)


class ThrottledCohort(Cohort):
    """A snapshot feed (the dashboard): at most one render per `interval` while events come,
    none while nothing changes; a new member gets the current snapshot at once."""

    def __init__(self, *args: Any, interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interval = interval
        self.version = 0
        self.dirty = False
        self.last_sent = 0.0
        self.flush: asyncio.Task[None] | None = None

    async def on_event(self, event: Event) -> None:
        if not self.members:
            return
        self.dirty = True
        if self.flush is None or self.flush.done():
            self.flush = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        # An event that lands while a snapshot is being built marks it dirty again, so the
        # loop sends one more: no change is left unsent.
        loop = asyncio.get_running_loop()
        while self.dirty and self.members:
            await asyncio.sleep(max(0.0, self.last_sent + self.interval - loop.time()))
            self.dirty = False
            self.last_sent = loop.time()
            payload = await self.snapshot()
            if payload is not None:
                self.version += 1
                for member in list(self.members):
                    member.deliver(self.version, payload)

    async def snapshot(self) -> str | None:
        ctx = self.fresh_context()
        root = await root_for(self.feed, None, ctx)
        return None if root is None else await self.execute(root, ctx)

    def remove(self, op: Operation) -> None:
        super().remove(op)
        if not self.members and self.flush is not None:
            self.flush.cancel()


def result_json(result: ExecutionResult) -> str:
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return orjson.dumps(body, default=str).decode()


# --- the endpoint ------------------------------------------------------------------------


class LiveEndpoint:
    def __init__(
        self,
        schema: GrassrootsSchema,
        rt: Runtime,
        hub: EventHub,
        *,
        max_outbox: int = 1000,
        init_timeout: float = 10.0,
        expiry_check_seconds: float = 60.0,
    ) -> None:
        self.schema = schema
        self.rt = rt
        self.hub = hub
        self.max_outbox = max_outbox
        self.init_timeout = init_timeout
        # A socket outlives no token: it closes when its token expires (checked at least this
        # often against the runtime's clock, and exactly at the expiry otherwise).
        self.expiry_check_seconds = expiry_check_seconds
        # The documents and limits of HTTP, cached once for both.
        self.documents = schema.documents
        self.cohorts: dict[Hashable, Cohort] = {}
        self.connections: set[Connection] = set()
        self.stats = LiveStats()
        # A revoked token's sockets close at once, whichever process revoked it.
        hub.listen("/", self._on_token_event)

    def _on_token_event(self, event: Event) -> None:
        if event.kind != TOKEN_REVOKED:
            return
        for connection in list(self.connections):
            actor = connection.ctx.actor if connection.ctx else None
            if actor is not None and actor.token_id == event.subject_id:
                connection.close(CLOSE_FORBIDDEN, "Forbidden: the token was revoked")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        ws = WebSocket(scope, receive=receive, send=send)
        if SUBPROTOCOL not in ws.scope.get("subprotocols", []):
            await ws.close(4406, "Subprotocol not acceptable: use graphql-transport-ws")
            return
        await ws.accept(subprotocol=SUBPROTOCOL)
        connection = Connection(self, ws)
        self.connections.add(connection)
        self.stats.connections += 1
        writer = asyncio.create_task(connection.writer())
        try:
            await self._serve(connection)
        finally:
            if connection.expiry is not None:
                connection.expiry.cancel()
            self.connections.discard(connection)
            self.stats.connections -= 1
            for op in list(connection.operations.values()):
                self._stop(connection, op.id)
            if not connection.closing:
                connection.close(1000, "Normal closure")
            # Let the writer send what is queued, the close frame last; then give up.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(writer, 2.0)

    async def _serve(self, connection: Connection) -> None:
        ws = connection.ws
        try:
            message = await asyncio.wait_for(ws.receive_json(), self.init_timeout)
        except TimeoutError:
            connection.close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")
            return
        except (WebSocketDisconnect, ValueError):
            return
        if not await self._init(connection, message):
            return
        while ws.application_state == WebSocketState.CONNECTED and not connection.closing:
            try:
                message = await ws.receive_json()
            except WebSocketDisconnect:
                return
            except ValueError:
                connection.close(CLOSE_BAD_REQUEST, "Invalid message")
                return
            await self._handle(connection, message)

    async def _init(self, connection: Connection, message: Any) -> bool:
        if not isinstance(message, dict) or message.get("type") != "connection_init":
            connection.close(CLOSE_UNAUTHORIZED, "Unauthorized")
            return False
        params = message.get("payload") or {}
        token = None
        if isinstance(params, dict):
            token = bearer_token(params.get("authorization") or params.get("Authorization"))
            token = token or params.get("token")
        token = token or bearer_token(connection.ws.headers.get("authorization"))
        found = await authenticate_account(self.rt, token) if isinstance(token, str) else None
        if token and found is None:
            connection.close(CLOSE_FORBIDDEN, "Forbidden: the token is unknown or expired")
            return False
        actor = found.actor if found else None
        if found is not None and found.expires_at is not None:
            connection.expiry = asyncio.create_task(self._expire(connection, found.expires_at))
        connection.ctx = Context(
            rt=self.rt,
            actor=actor,
            hub=self.hub,
            connection_params=params if isinstance(params, dict) else None,
        )
        connection.acked = True
        connection.send({"type": "connection_ack"})
        return True

    async def _expire(self, connection: Connection, expires_at: datetime) -> None:
        while not connection.closing:
            left = (expires_at - self.rt.clock.now()).total_seconds()
            if left <= 0:
                connection.close(CLOSE_FORBIDDEN, "Forbidden: the token expired; sign in again")
                return
            await asyncio.sleep(min(left, self.expiry_check_seconds))

    async def _handle(self, connection: Connection, message: Any) -> None:
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            connection.send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            connection.close(CLOSE_TOO_MANY_INITS, "Too many initialisation requests")
        elif kind == "subscribe":
            op_id = message.get("id")
            if not isinstance(op_id, str) or not isinstance(message.get("payload"), dict):
                connection.close(CLOSE_BAD_REQUEST, "Invalid subscribe message")
            elif op_id in connection.operations:
                connection.close(CLOSE_DUPLICATE_ID, f"Subscriber for {op_id} already exists")
            else:
                op = Operation(op_id, connection)
                connection.operations[op_id] = op
                op.task = asyncio.create_task(self._run(connection, op, message["payload"]))
        elif kind == "complete":
            op_id = message.get("id")
            if isinstance(op_id, str):
                self._stop(connection, op_id)
        else:
            connection.close(CLOSE_BAD_REQUEST, f"Unknown message type {kind!r}")

    def _stop(self, connection: Connection, op_id: str) -> None:
        op = connection.operations.pop(op_id, None)
        if op is None:
            return
        if op.cohort is not None:
            op.cohort.remove(op)
            self.stats.subscriptions -= 1
        if op.task is not None and not op.task.done():
            op.task.cancel()

    def _error(self, connection: Connection, op_id: str, errors: list[GraphQLError]) -> None:
        connection.operations.pop(op_id, None)
        connection.send({"id": op_id, "type": "error", "payload": [e.formatted for e in errors]})

    async def _run(self, connection: Connection, op: Operation, payload: dict[str, Any]) -> None:
        try:
            prepared = prepare(self.documents, payload)
            if isinstance(prepared, list):
                self._error(connection, op.id, prepared)
                return
            if prepared.operation.operation is OperationType.SUBSCRIPTION:
                await self._subscribe(connection, op, prepared)
            else:
                await self._execute(connection, op, payload)
        except asyncio.CancelledError:
            raise
        except GraphQLError as error:
            self._error(connection, op.id, [error])
        except Exception:
            log.exception("live operation failed")
            self._error(connection, op.id, [GraphQLError("Unexpected error.")])

    async def _execute(
        self, connection: Connection, op: Operation, payload: dict[str, Any]
    ) -> None:
        assert connection.ctx is not None
        ctx = Context(rt=self.rt, actor=connection.ctx.actor, hub=self.hub)
        result = await self.schema.execute(
            payload["query"],
            variable_values=payload.get("variables"),
            context_value=ctx,
            operation_name=payload.get("operationName"),
        )
        if op.id in connection.operations:
            body: dict[str, Any] = {"data": result.data}
            if result.errors:
                body["errors"] = [e.formatted for e in result.errors]
            connection.send({"id": op.id, "type": "next", "payload": body})
            connection.send({"id": op.id, "type": "complete"})
            connection.operations.pop(op.id, None)

    async def _subscribe(self, connection: Connection, op: Operation, prepared: Prepared) -> None:
        assert connection.ctx is not None
        field_name = prepared.root_field.name.value
        feed = await feed_for(field_name, root_arguments(self.documents, prepared), connection.ctx)
        actor = connection.ctx.actor
        # Events carry nothing personal; a case renders differently for different viewers.
        visibility = actor.account_id if feed.case_id is not None and actor else None
        key = cohort_key(feed, prepared, visibility)
        cohort = self.cohorts.get(key)
        if cohort is None:
            ctx = Context(rt=self.rt, actor=actor, hub=self.hub)
            kind = ThrottledCohort if feed.is_snapshot else Cohort
            cohort = kind(self, key, feed, prepared, ctx)
            self.cohorts[key] = cohort
            self.stats.cohorts = len(self.cohorts)
        if op.id not in connection.operations:
            return
        # Join first, so live events are kept while the log is replayed; then replay.
        op.cohort = cohort
        cohort.members.add(op)
        self.stats.subscriptions += 1
        if isinstance(cohort, ThrottledCohort):
            # A snapshot feed starts with the current state; it has nothing to replay.
            snapshot = await cohort.snapshot()
            op.replaying = False
            if snapshot is not None:
                connection.send_next(op.id, snapshot)
            return
        until = self.hub.position
        op.last_seq = feed.since if feed.since is not None else until
        await self._replay(cohort, op, feed, until)
        op.replaying = False
        for seq, text in op.pending:
            if seq > op.last_seq:
                op.last_seq = seq
                connection.send_next(op.id, text)
        op.pending.clear()

    async def _replay(self, cohort: Cohort, op: Operation, feed: Feed, until: int) -> None:
        last = op.last_seq
        while last < until and not op.connection.closing:
            batch = await read_after(last, region_path=feed.region_path, limit=REPLAY_BATCH)
            batch = [e for e in batch if e.seq <= until]
            if not batch:
                break
            for event in batch:
                last = event.seq
                if not feed.wants(event):
                    continue
                await op.connection.wait_drained()
                text = await cohort.render(event)
                if text is not None:
                    op.connection.send_next(op.id, text)
        op.last_seq = max(last, op.last_seq)
