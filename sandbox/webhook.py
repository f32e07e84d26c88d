"""Deliver queued updates to a webhook set with setWebhook (one at a time, in order)."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from sandbox.state import State

log = logging.getLogger("sandbox.webhook")
RETRY_DELAY = 1.0


async def deliver_forever(state: State) -> None:
    """Runs while the emulator runs; idle while no webhook is set."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        while not state.closing:
            hook = dict(state.webhook)
            if not hook.get("url") or not state.updates:
                await state.wait_change(30.0)
                continue
            update_id, _, update = state.updates[0]
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
            error: str | None = None
            try:
                async with session.post(hook["url"], json=update, headers=headers) as response:
                    if not 200 <= response.status < 300:
                        error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
            if error is None:
                if state.updates and state.updates[0][0] == update_id:
                    state.updates.pop(0)
                    state.emit("updates_confirmed", pending=len(state.updates))
                continue
            log.info("webhook delivery failed: %s", error)
            if state.webhook.get("url") == hook["url"]:
                state.webhook["last_error_date"] = state.now()
                state.webhook["last_error_message"] = error
            await asyncio.sleep(RETRY_DELAY)
