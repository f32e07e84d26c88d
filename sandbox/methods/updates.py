"""getUpdates (long polling, offsets, 409 conflicts) and the webhook settings."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from sandbox.errors import bad_request, conflict
from sandbox.methods.registry import Ctx, method
from sandbox.state import DEFAULT_UPDATES, State

TERMINATED = "terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _set_allowed(state: State, allowed: list[str] | None) -> None:
    if allowed is not None:
        state.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATES


@method("getUpdates")
async def get_updates(ctx: Ctx) -> Any:
    state, params = ctx.state, ctx.params
    if state.webhook.get("url"):
        raise conflict(WEBHOOK_ACTIVE)
    if state.get_updates_hangs > 0:  # a network path that swallows the request: no answer, ever
        state.get_updates_hangs -= 1
        state.emit("poll_hangs")
        while not state.closing:
            await state.wait_change(3600.0)
        return []
    state.poll_generation += 1
    generation = state.poll_generation
    state.emit("poll", generation=generation)
    _set_allowed(state, params.get("allowed_updates"))
    offset = int(params.get("offset") or 0)
    if offset:
        state.confirm_updates(offset)
    limit = min(max(int(params.get("limit", 100)), 1), 100)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(int(params.get("timeout") or 0), 0)
    while True:
        if state.poll_generation != generation:
            raise conflict(TERMINATED)
        if state.closing:
            return []
        ready = [update for update_id, _, update in state.updates if offset <= 0 or update_id >= offset]
        if ready:
            return ready[:limit]
        remaining = deadline - loop.time()
        if remaining <= 0:
            return []
        await state.wait_change(remaining)


def _check_url(state: State, url: str) -> None:
    parts = urlsplit(url)
    local_http = parts.scheme == "http" and (parts.hostname or "") in state.config.http_webhook_hosts
    if parts.scheme != "https" and not local_http:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if not parts.hostname:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")


@method("setWebhook")
async def set_webhook(ctx: Ctx) -> Any:
    state, params = ctx.state, ctx.params
    url = params["url"].strip()
    if not url:
        return await delete_webhook(ctx)
    _check_url(state, url)
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    connections = params.get("max_connections", 40)
    if not 1 <= connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    _set_allowed(state, params.get("allowed_updates"))
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.webhook = {"url": url, "secret_token": secret, "max_connections": connections}
    state.poll_generation += 1
    state.emit("webhook", url=url)
    return True


@method("deleteWebhook")
async def delete_webhook(ctx: Ctx) -> Any:
    state = ctx.state
    if ctx.params.get("drop_pending_updates"):
        state.updates.clear()
    state.webhook = {}
    state.emit("webhook", url="")
    return True


@method("getWebhookInfo")
async def get_webhook_info(ctx: Ctx) -> Any:
    state = ctx.state
    hook = state.webhook
    info: dict[str, Any] = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if hook.get("url"):
        info["max_connections"] = hook["max_connections"]
        info["ip_address"] = "127.0.0.1"
        if state.allowed_updates != DEFAULT_UPDATES:
            info["allowed_updates"] = sorted(state.allowed_updates)
    for key in ("last_error_date", "last_error_message"):
        if key in hook:
            info[key] = hook[key]
    return info
