"""HTTP connections to the Bot API: python-telegram-bot's requests made with aiohttp, all verifying Telegram's
certificate with the process's one TLS context.

PTB makes its requests with httpx by default; python-telegram-bot's BaseRequest is the documented place to use
another HTTP library. aiohttp's client (its HTTP parser is compiled) takes about a third of the CPU of httpx for
one Bot API call (0.19 against 0.58 ms on the benchmark machine, benchmarks/): the call is most of what the bot
does for each message it relays, and the polling and the sender go through here.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# python-telegram-bot's defaults (HTTPXRequest), in seconds
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0  # an upload (the report's PDF, an .ics file) may take longer than a text


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the system's certificate authorities costs about 50 ms of CPU: once per process, not per connection
    # pool (benchmarks/, start-up at scale).
    return ssl.create_default_context()


class AiohttpRequest(BaseRequest):
    """A PTB request backend on an aiohttp ClientSession with a connection pool of `pool_size` connections.

    Errors as PTB's own backend reports them: a timeout is TimedOut, any other failure to get an answer is
    NetworkError (the sender and the poll loop retry those). Telegram's answers, errors included, go back to PTB
    as they are, which turns them into BadRequest, Forbidden, RetryAfter and so on.
    """

    def __init__(self, pool_size: int, read_timeout: float | None = READ_TIMEOUT) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ssl=_tls())
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}, cookie_jar=aiohttp.DummyCookieJar()
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None and request_data.contains_files else None
        data = request_data.json_parameters if request_data is not None else None
        timeout = _timeout(
            read=self._read_timeout if _default(read_timeout) else read_timeout,
            connect=CONNECT_TIMEOUT if _default(connect_timeout) else connect_timeout,
            pool=POOL_TIMEOUT if _default(pool_timeout) else pool_timeout,
            write=(MEDIA_WRITE_TIMEOUT if files else None) if _default(write_timeout) else write_timeout,
        )
        body: aiohttp.FormData | dict[str, str] | None = _form(data or {}, files) if files else data
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class names what went wrong; its text may carry the URL, and with it the token (never logged).
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc


def _default(value: Any) -> bool:
    return isinstance(value, type(BaseRequest.DEFAULT_NONE))


def _timeout(
    read: float | None, connect: float | None, pool: float | None, write: float | None
) -> aiohttp.ClientTimeout:
    """PTB's four timeouts in aiohttp's terms: waiting for a free connection and making one is `connect`, waiting
    for the answer is `sock_read`. aiohttp has no timeout for writing the request alone: an upload is given
    `write` more seconds in all."""
    waiting = None if connect is None and pool is None else (connect or 0.0) + (pool or 0.0)
    total = None if write is None or read is None or waiting is None else write + read + waiting
    return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)


def _form(fields: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


def bot_api_request(pool_size: int, read_timeout: float | None = READ_TIMEOUT) -> BaseRequest:
    """A python-telegram-bot request with a connection pool of its own; timeouts as PTB's defaults but the read."""
    return AiohttpRequest(pool_size, read_timeout)
