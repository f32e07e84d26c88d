"""`anlaufstelle purge [--dry-run]`: what retention deletes (bot.retention), by hand. With --dry-run only the
counts of what would be deleted, never anything that identifies a person; without it, it is deleted. Topics in the
staff group are deleted by the bot (it sends what this command writes to the outbox) as soon as it runs."""

from __future__ import annotations

import argparse
import asyncio

from bot import retention
from bot.services import build_services
from bot.settings import Settings
from storage import migrate


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("purge", help="delete what the retention settings say is due (the daily job, by hand)")
    parser.add_argument("--dry-run", action="store_true", help="only show how much would be deleted")


def run(settings: Settings, secret_key: str, args: argparse.Namespace) -> int:
    for line in asyncio.run(purge(settings, secret_key, dry_run=args.dry_run)):
        print(line)
    return 0


async def purge(settings: Settings, secret_key: str, dry_run: bool) -> list[str]:
    """What the command prints: counts only."""
    services = build_services(settings, secret_key)
    try:
        await migrate.upgrade(services.engine)
        now = services.clock.now()
        if dry_run:
            summary = retention.summarise(await retention.find(services, now))
        else:
            summary = await retention.apply(services, now)
    finally:
        await services.engine.dispose()
    lines = summary.lines(settings, done=not dry_run)
    if not dry_run and (summary.case_topics or summary.contact_topics):
        lines.append("the topics are deleted in the staff group by the running bot (they wait in its outbox)")
    return lines
