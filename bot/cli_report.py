"""`anlaufstelle report --from YYYY-MM-DD --to YYYY-MM-DD --format csv|pdf [--output FILE]`: the committee report
from the command line, in STAFF_LANGUAGE (see bot.report for what it counts and how)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from bot import report
from bot.services import Services, build_services
from bot.settings import ConfigError, Settings
from storage import migrate


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="the report for the youth-welfare committee, as CSV or PDF")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", type=date.fromisoformat, required=True, help="last day (included)")
    parser.add_argument("--format", choices=("csv", "pdf"), default="pdf")
    parser.add_argument(
        "--output", default=None, help="the file to write ('-': standard output); default anlaufstelle-FROM-TO.csv|pdf"
    )


def run(settings: Settings, secret_key: str, args: argparse.Namespace) -> int:
    if args.last < args.first:
        raise ConfigError(f"--to ({args.last}) is before --from ({args.first})")
    period = report.Period(args.first, args.last)
    services = build_services(settings, secret_key)
    figures = asyncio.run(_collect(services, period))
    tr = services.catalogs.translator(settings.staff_language)
    built = report.build(figures, tr, services.clock.now())
    if args.format == "csv":
        content = report.to_csv(built, tr)
    else:
        from bot import report_pdf  # matplotlib loads for this command only, not at every start of the bot

        content = report_pdf.render(built, tr)
    if args.output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return 0
    target = Path(args.output or f"anlaufstelle-{period.first.isoformat()}-{period.last.isoformat()}.{args.format}")
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from None
    print(f"report {period.first} – {period.last} written to {target}", file=sys.stderr)
    return 0


async def _collect(services: Services, period: report.Period) -> report.Figures:
    try:
        await migrate.upgrade(services.engine)
        # One snapshot that holds no write lock: on SQLite the running bot's writers go on meanwhile.
        async with services.snapshots() as session:
            return await report.collect(session, period, services.settings.tz)
    finally:
        await services.engine.dispose()
