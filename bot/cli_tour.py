"""`anlaufstelle tour import|show|cancel|extra`: the tour plan from the command line."""

from __future__ import annotations

import argparse
from datetime import date, time, timedelta
from pathlib import Path

from bot import appointments as rules
from bot import booking
from bot.context import UnitOfWork
from bot.services import build_services
from bot.settings import ConfigError, Settings
from bot.tour import WEEKDAYS, TourError, load_tour
from storage import appointments, migrate, tour
from storage.tour import StopRow


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("tour", help="the bus's tour plan")
    tour_sub = parser.add_subparsers(dest="tour_command", required=True)
    load = tour_sub.add_parser("import", help="load the plan from a YAML file (see tour.example.yaml)")
    load.add_argument("file", type=Path)
    tour_sub.add_parser("show", help="the stops and their times")
    cancel = tour_sub.add_parser("cancel", help="the bus does not come to a stop on a day; bookings are told")
    cancel.add_argument("stop")
    cancel.add_argument("day", type=date.fromisoformat)
    cancel.add_argument("--reason", default=None)
    extra = tour_sub.add_parser("extra", help="an extra date at a stop")
    extra.add_argument("stop")
    extra.add_argument("day", type=date.fromisoformat)
    extra.add_argument("starts", type=time.fromisoformat)
    extra.add_argument("ends", type=time.fromisoformat)


def plan_rows(path: Path) -> list[StopRow]:
    plan = load_tour(path)
    return [
        StopRow(
            key=stop.id,
            name=stop.name,
            place=stop.place,
            address=stop.address,
            latitude=stop.lat,
            longitude=stop.lon,
            capacity=stop.capacity,
            slot_minutes=plan.slot_minutes,
            windows=[(wd, None, w.starts, w.ends) for w in stop.schedule for wd in w.weekday_numbers()]
            + [(None, day, w.starts, w.ends) for w in stop.schedule for day in w.dates or []],
        )
        for stop in plan.stops
    ]


async def run(settings: Settings, secret_key: str, args: argparse.Namespace) -> int:
    rows: list[StopRow] = []
    if args.tour_command == "import":  # the file first: a bad plan is one line and touches nothing
        try:
            rows = plan_rows(args.file)
        except (TourError, OSError) as exc:
            raise ConfigError(str(exc)) from None
    if args.tour_command == "extra" and args.starts >= args.ends:
        raise ConfigError(f"the end ({args.ends:%H:%M}) must be after the start ({args.starts:%H:%M})")
    services = build_services(settings, secret_key)
    try:
        await migrate.upgrade(services.engine)
        async with services.sessions() as session, session.begin():
            uow = UnitOfWork(session=session, services=services, update_id=0)
            if args.tour_command == "import":
                added, updated, dropped = await tour.import_plan(session, rows)
                print(f"tour plan imported: {added} new, {updated} updated, {dropped} no longer in the plan")
            elif args.tour_command == "show":
                await _show(uow)
            else:
                stop = await tour.by_key(session, args.stop)
                if stop is None:
                    raise ConfigError(f"no stop {args.stop!r} in the plan (see `anlaufstelle tour show`)")
                if args.tour_command == "extra":
                    await tour.add_extra(session, stop.id, args.day, args.starts, args.ends)
                    print(f"extra date at {stop.name} on {args.day}")
                else:
                    told = await cancel_day(uow, stop, args.day, args.reason)
                    print(f"{stop.name} cancelled on {args.day}; {told} booked young people are told")
            await uow.flush_outgoing()
    finally:
        await services.engine.dispose()
    return 0


async def cancel_day(uow: UnitOfWork, stop: tour.StopDTO, day: date, reason: str | None) -> int:
    """The bus does not come: the day is cancelled, and everyone booked there is told and offered a new time."""
    await tour.cancel_day(uow.session, stop.id, day, reason)
    tz = uow.services.settings.tz
    first, last = booking.local(day, time(0, 0), tz), booking.local(day + timedelta(days=1), time(0, 0), tz)
    booked = await appointments.booked_at_stop(uow.session, stop.id, first, last)
    for appointment in booked:
        await rules.cancel(uow, appointment, stop, by="plan", reason=reason)
    return len(booked)


async def _show(uow: UnitOfWork) -> None:
    windows = await tour.windows(uow.session)
    for stop in await tour.stops(uow.session, active_only=False):
        state = "" if stop.active else " (not in the plan any more)"
        print(f"{stop.key}: {stop.name}, {stop.address} — {stop.capacity} at a time{state}")
        for w in (w for w in windows if w.stop_id == stop.id):
            when = WEEKDAYS[w.weekday] if w.weekday is not None else str(w.on_date)
            print(f"    {when} {w.starts:%H:%M}–{w.ends:%H:%M}")
