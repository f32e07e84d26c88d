"""The local chat page: young people's phones, the staff forum group and the coordinator, in one browser tab.

Static files in ``static/`` (no build step, nothing from the network) talk to the control API under
``/_sandbox/`` and follow ``/_sandbox/events/stream``. Two ways to serve it:

* ``Emulator(EmulatorConfig(web=True))`` — the page at ``/`` of the emulator's own port;
* ``runner = await serve(emulator, port=8080)`` — a second small app in the same process (page and control
  API, not the Bot API); ``await runner.cleanup()`` stops it.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Middleware

from sandbox import control

if TYPE_CHECKING:
    from sandbox.emulator import Emulator

__all__ = ["attach", "serve"]

log = logging.getLogger("sandbox.web")
STATIC = Path(__file__).with_name("static")
FILES = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "render.js": "text/javascript",
    "dialogs.js": "text/javascript",
    "state.js": "text/javascript",
    "chat.js": "text/javascript",
    "style.css": "text/css",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _guard(bound_host: Callable[[], str]) -> Middleware:
    """Keep other web sites out of the page and the control API: no foreign Host (DNS rebinding) while
    bound to loopback, no cross-origin POST. The Bot API paths are left alone."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(("/bot", "/file/bot")):
            return await handler(request)
        hostname = (request.url.host or "").strip("[]")
        if _is_loopback(bound_host()) and not _is_loopback(hostname):
            raise web.HTTPForbidden(text="the sandbox page answers on a loopback address only")
        origin = request.headers.get("Origin")
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and origin
            and origin != f"{request.scheme}://{request.host}"
        ):
            raise web.HTTPForbidden(text="cross-origin request refused")
        return await handler(request)

    return guard


def _static(name: str, content_type: str) -> Handler:
    path = STATIC / name

    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if name == "index.html":
            headers["Content-Security-Policy"] = CSP
        return web.Response(body=path.read_bytes(), content_type=content_type, charset="utf-8", headers=headers)

    return handler


def attach(app: web.Application, emulator: Emulator, *, bound_host: Callable[[], str] | None = None) -> None:
    """Add the page (``/`` and its files) to ``app``, which must already carry the control API."""
    app.middlewares.append(_guard(bound_host or (lambda: emulator.host)))
    app.router.add_get("/", _static("index.html", FILES["index.html"]))
    for name, content_type in FILES.items():
        app.router.add_get(f"/{name}", _static(name, content_type))


async def serve(
    emulator: Emulator,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    staff_chat_id: int | None = None,
    coordinator_id: int | None = None,
) -> web.AppRunner:
    """Serve the page and the control API for ``emulator`` on ``host:port`` (0: any free port).

    ``staff_chat_id`` and ``coordinator_id`` tell the page which group is the staff group and whose private
    chat to show as the coordinator (also settable later through ``emulator.page_hints``). Returns the
    started runner: ``runner.addresses[0][1]`` is the port, ``await runner.cleanup()`` stops it.
    """
    if staff_chat_id is not None:
        emulator.page_hints["staff_chat_id"] = staff_chat_id
    if coordinator_id is not None:
        emulator.page_hints["coordinator_id"] = coordinator_id
    app = web.Application(client_max_size=64 * 1024 * 1024)
    control.setup(app, emulator)
    attach(app, emulator, bound_host=lambda: host)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    actual = runner.addresses[0][1]
    shown = f"[{host}]" if ":" in host else host
    log.info("sandbox chat page on http://%s:%s/", shown, actual)
    return runner
