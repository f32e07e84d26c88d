"""The HTTP side: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>`` on aiohttp.web."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from aiohttp import web

from sandbox.errors import ApiError, bad_request, not_found, unauthorized
from sandbox.methods import REGISTRY, Ctx
from sandbox.models import Call, Upload
from sandbox.state import State
from sandbox.validation import coerce_params, decode_for_log

log = logging.getLogger("sandbox")
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
NOT_IMPLEMENTED = "method is not implemented by the sandbox emulator"
STATE_KEY: web.AppKey[State] = web.AppKey("state", State)


def _json(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json")


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Merge query string and body (JSON, urlencoded or multipart) into one raw parameter dict."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.body_exists:
        return raw, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        raw.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                upload = Upload(value.filename, value.content_type, value.file.read())
                uploads[key] = upload
                raw[key] = upload
            elif isinstance(value, bytes):
                raw[key] = value.decode("utf-8", "replace")
            else:
                raw[key] = value
    return raw, uploads


async def handle_method(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    started = time.time()
    name = request.match_info["method"]
    spec_method = state.spec.method(name)
    method_name = spec_method.name if spec_method else name
    raw: dict[str, Any] = {}
    params: dict[str, Any] | None = None
    try:
        raw, uploads = await read_params(request)
        token = request.match_info["token"]
        if token != state.config.token:
            # Telegram: 404 for a malformed token, 401 for a well-formed but wrong one.
            raise unauthorized() if _TOKEN_SHAPE.match(token) else not_found()
        if spec_method is None:
            raise not_found()
        handler = REGISTRY.get(spec_method.name)
        if handler is None:
            raise bad_request(NOT_IMPLEMENTED)
        params = coerce_params(state.spec, spec_method, raw, uploads)
        result = await handler(Ctx(state, params, uploads))
    except ApiError as exc:
        _record(state, method_name, params, raw, exc.status, exc.description, started)
        log.info("%s -> %s %s", method_name, exc.status, exc.description)
        return _json(exc.payload(), exc.status)
    _record(state, method_name, params, raw, 200, None, started)
    log.info("%s -> 200", method_name)
    return _json({"ok": True, "result": result})


def _record(
    state: State,
    method: str,
    params: dict[str, Any] | None,
    raw: dict[str, Any],
    status: int,
    description: str | None,
    started: float,
) -> None:
    if params is not None:
        decoded = {k: (v.describe() if isinstance(v, Upload) else v) for k, v in params.items()}
    else:
        decoded = decode_for_log(state.spec, state.spec.method(method), raw)
    log.debug("%s params=%s", method, decoded)
    state.record_call(Call(method, decoded, status, description, started))


async def handle_file(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    path = request.match_info["path"]
    record = state.files_by_path.get(path)
    ok = request.match_info["token"] == state.config.token and record is not None
    status = 200 if ok else 404
    state.record_call(Call("file", {"file_path": path}, status, None if ok else "Not Found", time.time()))
    if record is None or not ok:
        return _json(not_found().payload(), 404)
    content_type = str(record.meta.get("mime_type") or "application/octet-stream")
    return web.Response(body=record.data, content_type=content_type)


def build_app(state: State) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[STATE_KEY] = state
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
    return app
