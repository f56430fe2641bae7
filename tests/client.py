"""A small GraphQL client over httpx for the tests, speaking as a signed-in user."""

from __future__ import annotations

import json
from typing import Any

import httpx

PASSWORD = "grassroots"

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token userErrors { field message code } }
}
"""


class GraphQLFailure(AssertionError):
    pass


class Api:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.tokens: dict[str, str] = {}

    async def login(self, username: str, password: str = PASSWORD) -> str:
        if username not in self.tokens:
            data = await self.run(LOGIN, {"input": {"username": username, "password": password}})
            payload = data["login"]
            assert payload["userErrors"] == [], payload["userErrors"]
            self.tokens[username] = payload["token"]
        return self.tokens[username]

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def run(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        body = await self.raw(query, variables, token=token)
        if body.get("errors"):
            raise GraphQLFailure(json.dumps(body["errors"], ensure_ascii=False))
        return body["data"]

    async def as_user(
        self, username: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await self.run(query, variables, token=await self.login(username))

    async def upload(
        self,
        username: str | None,
        query: str,
        variables: dict[str, Any],
        files: dict[str, tuple[str, bytes, str]],
        *,
        preflight: bool = True,
        token: str | None = None,
    ) -> httpx.Response:
        """A GraphQL multipart request: `files` maps a variable path to (name, bytes, type)."""
        token = token or (await self.login(username) if username else None)
        paths = list(files)
        operations = json.dumps({"query": query, "variables": variables})
        mapping = json.dumps({str(i): [path] for i, path in enumerate(paths)})
        multipart = {str(i): files[path] for i, path in enumerate(paths)}
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if preflight:
            headers["GraphQL-Preflight"] = "1"
        return await self.http.post(
            "/graphql",
            data={"operations": operations, "map": mapping},
            files=multipart,
            headers=headers,
        )
