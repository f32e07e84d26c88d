"""Helpers shared by the emulator tests (importable because pytest puts this directory on sys.path)."""

from __future__ import annotations

from typing import Any

import httpx

TOKEN = "123456:TEST-token"


class Raw:
    """Plain HTTP access to the Bot API of the emulator."""

    def __init__(self, client: httpx.AsyncClient, token: str = TOKEN) -> None:
        self.client = client
        self.token = token

    async def call(self, method: str, **params: Any) -> httpx.Response:
        return await self.client.post(f"/bot{self.token}/{method}", json=params)

    async def ok(self, method: str, **params: Any) -> Any:
        response = await self.call(method, **params)
        body = response.json()
        assert response.status_code == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, status: int = 400, **params: Any) -> str:
        response = await self.call(method, **params)
        body = response.json()
        assert response.status_code == status, body
        assert body["ok"] is False and body["error_code"] == status
        return str(body["description"])
