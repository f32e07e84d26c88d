"""Run the emulator standalone: ``python -m sandbox --host 127.0.0.1 --port 8081 --token TOKEN [--web]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from sandbox.config import EmulatorConfig
from sandbox.emulator import Emulator
from sandbox.limits import Limits


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-token")
    parser.add_argument("--bot-username", default="anlaufstelle_test_bot")
    parser.add_argument("--no-limits", action="store_true", help="disable the flood limits (429)")
    parser.add_argument("--seed", type=int, default=None, help="seed for generated ids")
    parser.add_argument("--web", action="store_true", help="serve the chat page at / of the same port")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request (debug: with params)")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    config = EmulatorConfig(
        token=args.token,
        bot_username=args.bot_username,
        limits=Limits(enabled=not args.no_limits),
        seed=args.seed,
        web=args.web,
    )
    emulator = Emulator(config)
    await emulator.start(host=args.host, port=args.port)
    print(emulator.api_url + ("/  (chat page)" if args.web else ""), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
