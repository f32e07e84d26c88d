"""The committee report as a PDF: a few A4 pages of charts a committee member reads at a glance.

It draws a ``bot.report.Report``, whose small counts are already suppressed: a hidden count ("<5") is drawn as
a hatched bar up to 4 labelled "<5", never with its real height. matplotlib's object interface with the
Agg backend only (no pyplot, no global state). The bot draws it in a child process (``python -m bot.report_pdf``,
``bot.report.render_pdf_apart``); ``anlaufstelle report`` in its own.
"""

from __future__ import annotations

import io
import pickle
import sys
import textwrap
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.i18n import Catalogs, Translator
from bot.report import SMALL, Cell, Report, Row, Section

A4 = (8.27, 11.69)
BLUE, ORANGE, GREY, RED, GREEN = "#1f5f8b", "#e8891c", "#9aa5ad", "#c0392b", "#2e8b57"
HIDDEN_HEIGHT = SMALL - 1  # a "<5" bar reaches its highest possible value, hatched
MAX_BARS = 15


def render(report: Report, tr: Translator) -> bytes:
    """The PDF's bytes. Deterministic for the same report (no creation date in the file)."""
    pages = [_front(report, tr), _people(report, tr), _topics(report, tr), _answers(report, tr), _hours(report, tr)]
    pages.append(_definitions(report, tr))
    out = io.BytesIO()
    metadata = {"Title": report.title, "Creator": "Anlaufstelle", "Producer": "Anlaufstelle", "CreationDate": None}
    with PdfPages(out, metadata=metadata) as pdf:
        for number, page in enumerate(pages, start=1):
            _footer(page, report, tr, number, len(pages))
            pdf.savefig(page)
    return out.getvalue()


# -- pages ---------------------------------------------------------------------------------------------------


def _page() -> Figure:
    fig = Figure(figsize=A4, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.25, w_pad=0.2, hspace=0.12)  # type: ignore[union-attr, call-arg]
    return fig


def _front(report: Report, tr: Translator) -> Figure:
    fig = _page()
    head, tiles, chart = fig.subfigures(3, 1, squeeze=False, height_ratios=[0.9, 1.2, 5.0])[:, 0]
    head.text(0.03, 0.85, report.title, fontsize=17, fontweight="bold", color=BLUE, va="top")
    head.text(0.03, 0.42, report.period_text, fontsize=13, va="top")
    head.text(0.03, 0.08, tr._("Created: {when}", when=report.created_text), fontsize=9, color="dimgray")
    overview = report.section("overview")
    tiles.suptitle(overview.title, x=0.03, ha="left", fontsize=12)
    axes = tiles.subplots(1, len(overview.rows))
    for ax, row in zip(axes, overview.rows, strict=True):
        _tile(ax, row)
    _per_month(chart.subplots(), report, tr)
    return fig


def _people(report: Report, tr: Translator) -> Figure:
    fig = _page()
    fig.suptitle(tr._("Who was reached"), fontsize=15, fontweight="bold", color=BLUE, x=0.02, ha="left")
    top, bottom = fig.subfigures(2, 1, squeeze=False, height_ratios=[1, 1.35])[:, 0]
    age, place = top.subplots(1, 2, width_ratios=[1, 1.5])
    _breakdown(age, report.section("age_band"), report, tr, horizontal=False)
    _breakdown(place, report.section("place"), report, tr)
    _breakdown(bottom.subplots(), report.section("language"), report, tr)
    return fig


def _topics(report: Report, tr: Translator) -> Figure:
    fig = _page()
    fig.suptitle(tr._("How they came, and what about"), fontsize=15, fontweight="bold", color=BLUE, x=0.02, ha="left")
    axes = fig.subplots(3, 1)
    for ax, key in zip(axes, ("source", "topic", "outcome"), strict=True):
        _breakdown(ax, report.section(key), report, tr)
    return fig


def _answers(report: Report, tr: Translator) -> Figure:
    fig = _page()
    fig.suptitle(tr._("Answers and appointments"), fontsize=15, fontweight="bold", color=BLUE, x=0.02, ha="left")
    answer, appointments, bus = fig.subplots(3, 1, height_ratios=[1.3, 1.2, 0.45])
    _answer_chart(answer, report.section("answer_time"), report, tr)
    section = report.section("appointments")
    booked = section.row("booked")
    rows = [r for r in section.rows if r.key != "booked"]
    colors = [GREEN if r.key == "attended" else RED if r.key == "no_show" else GREY for r in rows]
    _bars(appointments, rows, report, horizontal=False, colors=colors)
    appointments.set_title(
        tr._("{title} – booked in all: {n}", title=section.title, n=booked.cell.text), loc="left", fontsize=12
    )
    _note_panel(bus, report.section("bus"), report, tr)
    return fig


def _hours(report: Report, tr: Translator) -> Figure:
    fig = _page()
    fig.suptitle(tr._("Hours pool"), fontsize=15, fontweight="bold", color=BLUE, x=0.02, ha="left")
    gauge, activity = fig.subplots(2, 1, height_ratios=[0.8, 1.4])
    _pool_gauge(gauge, report.section("hours_pool"), report, tr)
    section = report.section("hours_activity")
    _bars(activity, section.rows, report, horizontal=True, colors=[BLUE] * len(section.rows))
    activity.set_title(section.title + " (" + tr._("hours") + ")", loc="left", fontsize=12)
    return fig


def _definitions(report: Report, tr: Translator) -> Figure:
    fig = _page()
    fig.suptitle(tr._("How the figures are counted"), fontsize=15, fontweight="bold", color=BLUE, x=0.02, ha="left")
    text = "\n\n".join(textwrap.fill(d, width=92) for d in report.definitions)
    fig.text(0.04, 0.93, text, fontsize=10, va="top", linespacing=1.4)
    return fig


def _footer(fig: Figure, report: Report, tr: Translator, number: int, total: int) -> None:
    left = tr._("Counts from 1 to 4 are shown as “<5” (hatched bars).")
    fig.text(0.02, 0.005, left, fontsize=7.5, color="dimgray")
    right = tr._("{period} · page {n} of {total}", period=report.period_text, n=number, total=total)
    fig.text(0.98, 0.005, right, fontsize=7.5, color="dimgray", ha="right")


# -- charts --------------------------------------------------------------------------------------------------


def _number(report: Report, value: float) -> str:
    return babel_numbers.format_decimal(value, format="#,##0.#", locale=report.language)


def _tile(ax: Axes, row: Row) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, row.cell.text, fontsize=22, fontweight="bold", color=BLUE, ha="center", va="bottom")
    ax.text(0.5, 0.42, textwrap.fill(row.label, 20), fontsize=8.5, ha="center", va="top")


def _height(cell: Cell) -> float:
    return HIDDEN_HEIGHT if cell.value is None else cell.value


def _style(ax: Axes, report: Report, horizontal: bool, highest: float) -> None:
    """Counts from 0, with room for the labels; an empty chart still gets a readable scale (0 to 5)."""
    top = max(highest * (1.15 if horizontal else 1.2), SMALL)
    (ax.set_xlim if horizontal else ax.set_ylim)(0, top)
    axis = ax.xaxis if horizontal else ax.yaxis
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _number(report, v)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x" if horizontal else "y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _bars(ax: Axes, rows: Sequence[Row], report: Report, *, horizontal: bool, colors: Sequence[str]) -> None:
    labels = [textwrap.fill(r.label, 28) for r in rows]
    heights = [_height(r.cell) for r in rows]
    positions = list(range(len(rows)))
    if horizontal:
        bars = ax.barh(positions, heights, color=colors, height=0.65)
        ax.set_yticks(positions, labels, fontsize=9)
        ax.invert_yaxis()
    else:
        bars = ax.bar(positions, heights, color=colors, width=0.65)
        ax.set_xticks(positions, labels, fontsize=9)
    for bar, row, color in zip(bars, rows, colors, strict=True):
        if row.cell.hidden:
            bar.set_facecolor("white")
            bar.set_edgecolor(color)
            bar.set_hatch("///")
    ax.bar_label(bars, [r.cell.text for r in rows], padding=3, fontsize=9)
    _style(ax, report, horizontal, max(heights, default=0))


def _breakdown(ax: Axes, section: Section, report: Report, tr: Translator, horizontal: bool = True) -> None:
    rows = section.rows
    if not rows:
        ax.set_axis_off()
        ax.set_title(section.title, loc="left", fontsize=12)
        ax.text(0.0, 0.5, tr._("None in this period."), fontsize=10, transform=ax.transAxes)
        return
    more = len(rows) - MAX_BARS
    shown = rows[:MAX_BARS] if more > 0 else rows
    _bars(ax, shown, report, horizontal=horizontal, colors=[BLUE] * len(shown))
    title = section.title + " (" + shown[0].unit + ")"
    ax.set_title(title, loc="left", fontsize=12)
    if more > 0:
        ax.text(
            1.0, -0.08, tr._("… and {n} more in the CSV file", n=more), transform=ax.transAxes, ha="right", fontsize=8
        )


def _per_month(ax: Axes, report: Report, tr: Translator) -> None:
    section = report.section("contacts_per_month")
    months = sorted({r.period.first for r in section.rows if r.period is not None})
    width = 0.4
    for offset, key, color in ((-width / 2, "first", BLUE), (width / 2, "returning", ORANGE)):
        rows = [r for r in section.rows if r.key == key]
        bars = ax.bar([i + offset for i in range(len(rows))], [_height(r.cell) for r in rows], width, color=color)
        for bar, row in zip(bars, rows, strict=True):
            if row.cell.hidden:
                bar.set_facecolor("white")
                bar.set_edgecolor(color)
                bar.set_hatch("///")
        ax.bar_label(bars, [r.cell.text for r in rows], padding=2, fontsize=7.5)
    labels = [babel_dates.format_date(m, "MMM yy", locale=report.language) for m in months]
    ax.set_xticks(range(len(months)), labels, fontsize=8.5, rotation=0 if len(months) <= 12 else 45)
    ax.set_title(section.title, loc="left", fontsize=12)
    ax.legend(
        handles=[
            Patch(color=BLUE, label=tr._("First contacts")),
            Patch(color=ORANGE, label=tr._("Returning contacts")),
            Patch(facecolor="white", edgecolor=GREY, hatch="///", label=tr._("fewer than 5")),
        ],
        loc="upper left",
        fontsize=8.5,
        frameon=False,
        ncols=3,
    )
    highest = max((_height(r.cell) for r in section.rows), default=0)
    _style(ax, report, horizontal=False, highest=highest * 1.1)


def _duration(tr: Translator, minutes: float) -> str:
    total = round(minutes)
    if total < 60:
        return tr._("{m} min", m=total)
    hours, rest = divmod(total, 60)
    if hours < 48:
        return tr._("{h} h {m} min", h=hours, m=rest) if rest else tr._("{h} h", h=hours)
    return tr.ngettext("{n} day", "{n} days", hours // 24) + " " + tr._("{h} h", h=hours % 24)


def _answer_chart(ax: Axes, section: Section, report: Report, tr: Translator) -> None:
    groups = (("inside", tr._("Inside office hours")), ("outside", tr._("Outside office hours")))
    width = 0.38
    for offset, stat, color, name in (
        (-width / 2, "median", BLUE, tr._("Median")),
        (width / 2, "p90", ORANGE, tr._("90 % answered within")),
    ):
        cells = [section.row(f"{g}_{stat}").cell for g, _ in groups]
        heights = [0.0 if c.value is None else c.value / 60 for c in cells]
        bars = ax.bar([i + offset for i in range(len(groups))], heights, width, color=color, label=name)
        labels = [tr._("fewer than 5 cases") if c.value is None else _duration(tr, c.value) for c in cells]
        ax.bar_label(bars, labels, padding=3, fontsize=8.5)
    ticks = [f"{label}\n" + tr._("{n} answered", n=section.row(f"{g}_answered").cell.text) for g, label in groups]
    ax.set_xticks(range(len(groups)), ticks, fontsize=9.5)
    ax.set_ylabel(tr._("hours"))
    unanswered = section.row("unanswered").cell.text
    ax.set_title(section.title + " – " + tr._("not answered yet: {n}", n=unanswered), loc="left", fontsize=12)
    ax.legend(loc="upper left", fontsize=8.5, frameon=False)
    highest = max((c.value or 0) / 60 for g, _ in groups for c in (section.row(f"{g}_p90").cell,))
    ax.set_ylim(0, max(highest * 1.25, 1))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _number(report, v)))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _note_panel(ax: Axes, section: Section, report: Report, tr: Translator) -> None:
    ax.set_axis_off()
    ax.set_title(section.title, loc="left", fontsize=12)
    lines = [f"{r.label}: {r.cell.text}" for r in section.rows]
    if section.note:
        lines.append(section.note)
    ax.text(
        0.0, 0.6, "\n".join(textwrap.fill(line, 95) for line in lines), fontsize=10, va="top", transform=ax.transAxes
    )


def _pool_gauge(ax: Axes, section: Section, report: Report, tr: Translator) -> None:
    """One bar a pool: the budget as 100 %, what is used of it, and the warning levels at 80 and 95 %."""
    periods = sorted({r.period for r in section.rows if r.period is not None}, key=lambda p: p.first)
    ax.set_title(tr._("Used of the budget"), loc="left", fontsize=12)
    if not periods:
        ax.set_axis_off()
        ax.text(0.0, 0.5, tr._("No hours pool in this period."), fontsize=10, transform=ax.transAxes)
        return
    labels, widest = [], 1.0
    for i, period in enumerate(periods):
        budget, used = section.row("budget", period).cell, section.row("used", period).cell
        share = (used.value or 0) / budget.value if budget.value else 0.0
        widest = max(widest, share)
        ax.barh(i, 1.0, color="#e8eef3", height=0.5)
        ax.barh(i, min(share, 1.0), color=RED if share >= 0.95 else ORANGE if share >= 0.8 else BLUE, height=0.5)
        if share > 1.0:
            ax.barh(i, share - 1.0, left=1.0, color=RED, height=0.5, hatch="xx", edgecolor="white")
        text = tr._(
            "{used} of {budget} h ({percent})",
            used=used.text,
            budget=budget.text,
            percent=babel_numbers.format_percent(share, locale=report.language),
        )
        ax.text(max(share, 1.0) + 0.02, i, text, va="center", fontsize=10)
        extra = tr._("cases with hours: {n}", n=section.row("cases", period).cell.text)
        if any(r.key == "over_cap" and r.period == period for r in section.rows):
            extra += "\n" + tr._("over the cap: {n}", n=section.row("over_cap", period).cell.text)
        interval = babel_dates.format_interval(period.first, period.last, "yMMMd", locale=report.language)
        labels.append(f"{interval}\n{extra}")
    for level in (0.8, 0.95):
        ax.axvline(level, color="dimgray", linestyle=":", linewidth=1)
        ax.text(level, -0.55, babel_numbers.format_percent(level, locale=report.language), ha="center", fontsize=8)
    ax.set_yticks(range(len(periods)), labels, fontsize=9)
    ax.set_xlim(0, widest + 0.55)
    ax.set_ylim(len(periods) - 0.4, -0.8)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: babel_numbers.format_percent(v, locale=report.language)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def main() -> None:
    """``python -m bot.report_pdf``: a pickled (report, time zone, default language, language) on standard input,
    the PDF on standard output."""
    built, tz, default_language, language = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 (the bot's own)
    sys.stdout.buffer.write(render(built, Catalogs(ZoneInfo(tz), default_language).translator(language)))


if __name__ == "__main__":
    main()
