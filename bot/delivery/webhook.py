"""Webhook mode (`anlaufstelle run --webhook URL`): Telegram posts each update to us instead of being polled.

The durable inbox holds here too: the update is committed to the inbox before Telegram is answered 200, so an
update whose answer Telegram never got is sent again (and stored once, by its update_id). A request without
Telegram's secret-token header (the WEBHOOK_SECRET_TOKEN given to setWebhook) is answered 403 and not stored.
Telegram is asked for one connection at a time (max_connections=1), so updates arrive in order.

The server speaks plain HTTP on WEBHOOK_LISTEN:WEBHOOK_PORT; Telegram needs HTTPS, so a reverse proxy (Caddy,
nginx) terminates TLS in front of it and forwards the URL's path.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)

Accept = Callable[[list[dict[str, Any]]], Awaitable[None]]


def local_path(url: str) -> str:
    return urlsplit(url).path or "/"


class WebhookServer:
    def __init__(self, accept: Accept, secret: str, url: str, listen: str, port: int) -> None:
        self._accept, self._secret = accept, secret.encode()
        self._path, self._listen, self._port = local_path(url), listen, port
        self._runner: web.AppRunner | None = None
        self.stored = 0
        self.refused = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self._path, self.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()
        log.info("webhook server listening on %s port %d", self._listen, self._port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self.refused += 1
            log.warning("webhook request without the right secret token refused (403)")
            return web.Response(status=403)
        try:
            update = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400)
        try:
            await self._accept([update])
        except Exception as exc:  # not committed: Telegram is not told we have it, and sends it again
            log.error(
                "could not store an update from the webhook (%s); Telegram will send it again", type(exc).__name__
            )
            return web.Response(status=500)
        self.stored += 1
        return web.Response(status=200)
