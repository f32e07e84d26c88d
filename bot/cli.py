"""The `anlaufstelle` command: run | db upgrade|downgrade|current | secret | staff | tour | report."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from collections.abc import Sequence

from bot import cli_report, cli_tour
from bot.settings import ConfigError, Settings, load_settings, resolve_secret_key

log = logging.getLogger("anlaufstelle")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anlaufstelle", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (polling Telegram)")
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
        key, generated = resolve_secret_key(settings)
    except ConfigError as exc:
        print(f"anlaufstelle: {exc}", file=sys.stderr)
        return 2
    from bot.privacy import configure_logging

    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    configure_logging(settings.log_level, secrets=(token, key))
    if generated:
        _warn_generated_key(settings)
    try:
        if args.command == "run":
            return _run(settings, key)
        if args.command == "staff":
            return asyncio.run(_staff(settings, args))
        if args.command == "tour":
            return asyncio.run(cli_tour.run(settings, key, args))
        if args.command == "report":
            return cli_report.run(settings, key, args)
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


def _run(settings: Settings, key: str) -> int:
    from bot.runtime import BotRuntime, run_until_signal

    if settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather into .env or the environment.")
    return asyncio.run(run_until_signal(BotRuntime(settings, secret_key=key)))


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
