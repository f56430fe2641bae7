"""The anchors the HTTP benchmarks measure in the same run as Grassroots, each served by
uvicorn alone in one process, like `grassroots serve`:

    bare            a bare Starlette JSON endpoint: POST /graphql answers {"data": {"me": …}}
    stock-mutation  stock Strawberry (no extensions) + Tortoise, a mutation writing one row to
                    SQLite without fsync (synchronous=OFF)
    flat-read       stock Strawberry + Tortoise, 50 rows of one table (the cases of --db, their
                    own columns only, newest first)

    python bench/anchors.py NAME --port PORT [--db FILE]
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from tortoise import Tortoise, fields
from tortoise.models import Model

ME = {"data": {"me": {"id": "QWNjb3VudDox"}}}


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


def bare() -> Starlette:
    async def endpoint(request: Request) -> Response:
        await request.json()  # read the query as any endpoint would
        return JSONResponse(ME)

    return Starlette(
        routes=[Route("/health", health), Route("/graphql", endpoint, methods=["POST"])]
    )


# --- stock Strawberry + Tortoise ------------------------------------------------------------


class Note(Model):
    id = fields.IntField(primary_key=True)
    text = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "note"


class FlatCase(Model):
    """The cases table, its own columns only."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32)
    title = fields.CharField(max_length=200)
    status = fields.CharField(max_length=16)
    source = fields.CharField(max_length=24)
    urgency = fields.CharField(max_length=16)
    address = fields.CharField(max_length=255)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "case"


@strawberry.type
class NoteType:
    id: int
    text: str
    created_at: datetime


@strawberry.type
class CaseRow:
    id: int
    number: str
    title: str
    status: str
    source: str
    urgency: str
    address: str
    created_at: datetime
    updated_at: datetime


@strawberry.type
class Query:
    @strawberry.field
    async def cases(self, first: int = 50) -> list[CaseRow]:
        rows = await FlatCase.all().order_by("-created_at", "-id").limit(first)
        return [
            CaseRow(
                id=r.id,
                number=r.number,
                title=r.title,
                status=r.status,
                source=r.source,
                urgency=r.urgency,
                address=r.address,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
            for r in rows
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def add_note(self, text: str) -> NoteType:
        note = await Note.create(text=text, created_at=datetime.now(UTC))
        return NoteType(id=note.id, text=note.text, created_at=note.created_at)


def stock(db: str, *, synchronous: str, create: bool) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await Tortoise.init(
            config={
                "connections": {
                    "default": {
                        "engine": "tortoise.backends.sqlite",
                        "credentials": {"file_path": db, "synchronous": synchronous},
                    }
                },
                "apps": {"models": {"models": [__name__], "default_connection": "default"}},
                "use_tz": True,
            },
            _enable_global_fallback=True,  # requests run in other tasks than the lifespan
        )
        if create:
            await Tortoise.get_connection("default").execute_script(
                'CREATE TABLE IF NOT EXISTS "note" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, '
                '"text" TEXT NOT NULL, "created_at" TIMESTAMP NOT NULL)'
            )
        yield
        await Tortoise.close_connections()

    schema = strawberry.Schema(query=Query, mutation=Mutation)
    graphql: Any = GraphQL(schema)
    return Starlette(
        routes=[Route("/health", health), Route("/graphql", graphql, methods=["GET", "POST"])],
        lifespan=lifespan,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("name", choices=["bare", "stock-mutation", "flat-read"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--db", help="the SQLite file (stock-mutation: made; flat-read: read)")
    args = p.parse_args()
    if args.name == "bare":
        app = bare()
    elif args.name == "stock-mutation":
        app = stock(args.db, synchronous="OFF", create=True)
    else:
        app = stock(args.db, synchronous="FULL", create=False)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
