"""HTTP connections to the Bot API, all verifying Telegram's certificate with the process's one TLS context."""

from __future__ import annotations

import functools
import ssl

import httpx
from telegram.request import HTTPXRequest


@functools.cache
def _tls() -> ssl.SSLContext:
    # httpx makes a context per client otherwise, loading the system's certificate authorities each time: about
    # 50 ms of CPU for each of the four connections made at every start (benchmarks/, start-up at scale).
    return httpx.create_ssl_context()


def bot_api_request(pool_size: int, read_timeout: float | None = 5.0) -> HTTPXRequest:
    """A python-telegram-bot request with a connection pool of its own; timeouts as PTB's defaults but the read."""
    return HTTPXRequest(connection_pool_size=pool_size, read_timeout=read_timeout, httpx_kwargs={"verify": _tls()})
