"""The `anlaufstelle` command: run | db | secret | staff | tour | report | purge | check | rotate-key."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from collections.abc import Sequence

from bot import cli_check, cli_purge, cli_report, cli_rotate, cli_tour
from bot.settings import ConfigError, Settings, load_settings, resolve_secret_key, secret_keys

log = logging.getLogger("anlaufstelle")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anlaufstelle", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (polling Telegram); without a token: the local demo")
    run.add_argument("--reset", action="store_true", help="demo only: start it fresh (var/sandbox/)")
    run.add_argument("--port", type=int, default=None, help="demo only: the page's port (default SANDBOX_PORT, 8080)")
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates at this https URL (a reverse proxy forwards it to WEBHOOK_LISTEN:WEBHOOK_PORT)",
    )
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations")
    down = db_sub.add_parser("downgrade", help="undo migrations down to a revision")
    down.add_argument("revision", help="a revision id, or 'base' for an empty database")
    db_sub.add_parser("current", help="show the database's revision")
    sub.add_parser("secret", help="print a new random SECRET_KEY")
    team = sub.add_parser("staff", help="the team allowed to answer in the staff group")
    team_sub = team.add_subparsers(dest="staff_command", required=True)
    add = team_sub.add_parser("add", help="add someone (or change their name or role)")
    add.add_argument("telegram_user_id", type=int, help="their numeric Telegram user id")
    add.add_argument("--name", required=True, help="the name young people see under the answers")
    add.add_argument("--role", default="worker", choices=("worker", "coordinator", "admin"))
    team_sub.add_parser("list", help="list the team")
    cli_tour.add_parser(sub)
    cli_report.add_parser(sub)
    cli_purge.add_parser(sub)
    cli_check.add_parser(sub)
    cli_rotate.add_parser(sub)
    remove = team_sub.add_parser("remove", help="remove someone")
    remove.add_argument("telegram_user_id", type=int)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "secret":
        print(secrets.token_urlsafe(48))
        return 0
    try:
        settings = load_settings()
        if args.command == "run" and settings.telegram_bot_token is None:
            if args.webhook:
                raise ConfigError("TELEGRAM_BOT_TOKEN is not set: webhook mode needs the token from @BotFather.")
            return _demo(settings, args)
        key, generated = resolve_secret_key(settings)
    except ConfigError as exc:
        print(f"anlaufstelle: {exc}", file=sys.stderr)
        return 2
    from bot.privacy import Keyring, configure_logging

    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    hook_secret = settings.webhook_secret_token.get_secret_value() if settings.webhook_secret_token else ""
    derived = Keyring.from_setting(key).webhook_secret
    configure_logging(settings.log_level, secrets=(token, *secret_keys(key), hook_secret, derived))
    if generated:
        _warn_generated_key(settings)
    try:
        if args.command == "run":
            return _run(settings, key, args)
        if args.command == "staff":
            return asyncio.run(_staff(settings, args))
        if args.command == "tour":
            return asyncio.run(cli_tour.run(settings, key, args))
        if args.command == "report":
            return cli_report.run(settings, key, args)
        if args.command == "purge":
            return cli_purge.run(settings, key, args)
        if args.command == "check":
            return asyncio.run(cli_check.run(settings, key, args))
        if args.command == "rotate-key":
            return asyncio.run(cli_rotate.run(settings, key, args))
        return asyncio.run(_db(settings, args))
    except ConfigError as exc:
        print(f"anlaufstelle: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _warn_generated_key(settings: Settings) -> None:
    path = settings.var_dir / "secret_key"
    bar = "!" * 78
    log.warning(
        "\n%s\nNo SECRET_KEY was set, so a new one was generated into %s (mode 0600).\n"
        "It encrypts stored chat ids and makes the pseudonyms: back it up. Losing it makes the stored\n"
        "contacts unreachable. In production set SECRET_KEY in the environment instead.\n%s",
        bar,
        path,
        bar,
    )


def _run(settings: Settings, key: str, args: argparse.Namespace) -> int:
    from bot.liveness import LeaseRefused
    from bot.runtime import BotRuntime, run_until_signal

    if args.reset or args.port is not None:
        raise ConfigError("--reset and --port are for the local demo, which runs when TELEGRAM_BOT_TOKEN is not set.")
    if args.webhook is not None and not args.webhook.startswith(("https://", "http://")):
        raise ConfigError(f"--webhook needs a URL such as https://bot.example.org/telegram, not {args.webhook!r}.")
    try:
        return asyncio.run(run_until_signal(BotRuntime(settings, secret_key=key, webhook_url=args.webhook)))
    except LeaseRefused as exc:
        print(f"anlaufstelle: {exc}", file=sys.stderr)
        return 3


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    """No token: the bot, an emulated Telegram and the chat page, on this machine (bot/demo.py)."""
    from bot import demo

    return demo.main(settings, port=args.port, reset=args.reset)


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from storage import migrate
    from storage.engine import create_engine

    engine = create_engine(settings.effective_database_url)
    try:
        if args.db_command == "upgrade":
            await migrate.upgrade(engine)
            print(f"database at revision {await migrate.current_revision(engine)}")
        elif args.db_command == "downgrade":
            await migrate.downgrade(engine, args.revision)
            print(f"database at revision {await migrate.current_revision(engine)}")
        else:
            current, head = await migrate.current_revision(engine), migrate.head_revision()
            print(f"database at revision {current} (newest: {head})")
    finally:
        await engine.dispose()
    return 0


async def _staff(settings: Settings, args: argparse.Namespace) -> int:
    from storage import migrate, staff
    from storage.engine import create_engine, session_factory

    engine = create_engine(settings.effective_database_url)
    try:
        await migrate.upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            if args.staff_command == "add":
                member = await staff.add(session, args.telegram_user_id, args.name, args.role)
                print(f"{member.display_name} ({member.role}) is in the team")
            elif args.staff_command == "remove":
                removed = await staff.remove(session, args.telegram_user_id)
                print("removed" if removed else "not in the team")
                return 0 if removed else 1
            else:
                for member in await staff.all_active(session):
                    print(f"{member.telegram_user_id}\t{member.role}\t{member.display_name}")
    finally:
        await engine.dispose()
    return 0
