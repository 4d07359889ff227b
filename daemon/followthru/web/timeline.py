"""A plan's timeline as a picture: an inline ``<svg>`` with one row per person and the meetings on a
row at the top, over a time axis with date ticks and a line at "now".

Pure: it takes what happened and what is due (:class:`Lane` and :class:`Mark`) and gives markup; it
reads no store and no clock. The picture carries no script and no ``style`` attribute (the pages'
Content-Security-Policy allows neither), only presentation attributes; every text in it is escaped.
Each mark has a ``<title>``, which browsers show on hover. Its width is a fixed viewBox; the page's
CSS class ``timeline`` scales it to the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

WIDTH = 960
LABELS = 170  # the column of names
LEFT, RIGHT = LABELS + 10, WIDTH - 20
ROW = 30
TOP = 12
AXIS = 34  # below the rows: tick labels
LEGEND = 26
MAX_NAME = 24  # characters of a name shown; the whole name is in the row's <title>

INK, MUTED, LINE = "#1d2430", "#5d6b7e", "#d9dee5"
COLOURS = {"good": "#1f7a45", "bad": "#b3261e", "warn": "#8a5a00", "": "#1f5fbf"}
NOW_COLOUR = "#b3261e"
MEETING_COLOUR = "#6b3fa0"
# Steps between ticks, in hours, the smallest first; the first that gives at most TICKS ticks is used.
STEPS = (1, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 30, 24 * 91, 24 * 182, 24 * 365)
TICKS = 10

KINDS = ("request", "reminder", "answer", "deadline", "due", "next", "meeting")
LEGEND_TEXT = {
    "request": "request sent",
    "reminder": "reminder sent",
    "answer": "answer",
    "deadline": "answer due",
    "due": "work due",
    "next": "next step",
    "meeting": "meeting",
}


@dataclass(frozen=True)
class Mark:
    """One thing on the timeline: when, what kind (one of :data:`KINDS`), the hover text, and for an
    answer its tone (``good`` for a commitment, ``bad`` for a refusal, ``warn`` for the rest)."""

    at: datetime
    kind: str
    text: str
    tone: str = ""


@dataclass(frozen=True)
class Lane:
    """One person's row: their name, what they do (shown with the name on hover), and their marks."""

    name: str
    marks: Sequence[Mark] = field(default_factory=tuple)
    note: str = ""


def timeline(
    lanes: Sequence[Lane], meetings: Sequence[Mark], now: datetime, zone: ZoneInfo, title: str = "Timeline"
) -> Markup:
    """The ``<svg>`` of ``lanes`` (one row each, in order) and ``meetings`` (a top row when there are
    any), with ticks in ``zone`` and a line at ``now``."""
    moments = [m.at for lane in lanes for m in lane.marks] + [m.at for m in meetings] + [now]
    start, end = _span(moments)
    scale = _Scale(start, end)
    rows = ([("Meetings", "", list(meetings), "meetings")] if meetings else []) + [
        (lane.name, lane.note, list(lane.marks), "person") for lane in lanes
    ]
    height = TOP + ROW * len(rows) + AXIS + LEGEND
    bottom = TOP + ROW * len(rows)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    out += _axis(scale, zone, bottom)
    for index, (name, note, marks, kind) in enumerate(rows):
        out += _row(scale, TOP + ROW * index + ROW / 2, name, note, marks, kind, zone)
    x = scale.x(now)
    out.append(
        f'<g class="now"><line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{bottom}" stroke="{NOW_COLOUR}" '
        f'stroke-width="1.5" stroke-dasharray="4 3"><title>now: {escape(_when(now, zone))}</title></line>'
        f'<text x="{x:.1f}" y="{TOP - 2}" text-anchor="middle" font-size="10" fill="{NOW_COLOUR}">now</text></g>'
    )
    out += _legend(bottom + AXIS, [kind for kind in KINDS if kind != "meeting" or meetings])
    out.append("</svg>")
    return Markup("".join(out))


def _span(moments: list[datetime]) -> tuple[datetime, datetime]:
    """The time the picture covers: every moment, with a little room at either end."""
    start = min(m.astimezone(timezone.utc) for m in moments)
    end = max(m.astimezone(timezone.utc) for m in moments)
    if end - start < timedelta(hours=12):
        start, end = start - timedelta(hours=6), end + timedelta(hours=6)
    room = (end - start) * 0.03
    return start - room, end + room


class _Scale:
    def __init__(self, start: datetime, end: datetime):
        self.start, self.end = start, end
        self.seconds = (end - start).total_seconds()

    def x(self, moment: datetime) -> float:
        share = (moment.astimezone(timezone.utc) - self.start).total_seconds() / self.seconds
        return LEFT + (RIGHT - LEFT) * min(1.0, max(0.0, share))


def _ticks(scale: _Scale, zone: ZoneInfo) -> list[datetime]:
    """Ticks at whole hours or local midnights, at most :data:`TICKS` of them."""
    hours = scale.seconds / 3600
    step = next((s for s in STEPS if hours / s <= TICKS), STEPS[-1])
    local = scale.start.astimezone(zone)
    if step < 24:
        first = local.replace(minute=0, second=0, microsecond=0)
        first = first.replace(hour=first.hour - first.hour % step)
    else:
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
    ticks: list[datetime] = []
    moment = first
    while moment.astimezone(timezone.utc) <= scale.end and len(ticks) < 3 * TICKS:
        if moment.astimezone(timezone.utc) >= scale.start:
            ticks.append(moment)
        # Wall-clock arithmetic (one tzinfo): a day later is the next midnight, whatever the clocks did.
        moment = (moment + timedelta(hours=step)).replace(tzinfo=zone)
    return ticks


def _axis(scale: _Scale, zone: ZoneInfo, bottom: int) -> list[str]:
    out = ['<g class="axis">']
    ticks = _ticks(scale, zone)
    daily = len(ticks) < 2 or ticks[1] - ticks[0] >= timedelta(hours=24)
    for tick in ticks:
        x = scale.x(tick)
        label = tick.strftime("%d %b") if daily else tick.strftime("%a %H:%M")
        if daily and tick.month == 1 and tick.day == 1:
            label = tick.strftime("%d %b %Y")
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom + 4}" stroke="{LINE}" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
        )
    out.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" stroke="{MUTED}" stroke-width="1"/></g>')
    return out


def _row(scale: _Scale, y: float, name: str, note: str, marks: list[Mark], kind: str, zone: ZoneInfo) -> list[str]:
    shown = name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"
    about = f"{name} ({note})" if note else name
    out = [
        f'<g class="{kind}">',
        f'<text x="{LABELS}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}"><title>{escape(about)}</title>'
        f"{escape(shown)}</text>",
        f'<line x1="{LEFT}" y1="{y:.1f}" x2="{RIGHT}" y2="{y:.1f}" stroke="{LINE}" stroke-width="1"/>',
    ]
    for mark in sorted(marks, key=lambda m: (m.at, KINDS.index(m.kind) if m.kind in KINDS else 0)):
        out.append(_mark(scale.x(mark.at), y, mark, zone))
    out.append("</g>")
    return out


def _mark(x: float, y: float, mark: Mark, zone: ZoneInfo) -> str:
    hover = f"<title>{escape(mark.text)} — {escape(_when(mark.at, zone))}</title>"
    colour = COLOURS.get(mark.tone, COLOURS[""])
    return _shape(mark.kind, x, y, colour, hover)


def _shape(kind: str, x: float, y: float, colour: str, inside: str = "") -> str:
    """The symbol of one kind of mark at (x, y)."""
    if kind == "request":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{COLOURS[""]}">{inside}</circle>'
    if kind == "reminder":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#ffffff" stroke="{COLOURS["warn"]}" '
            f'stroke-width="2">{inside}</circle>'
        )
    if kind == "answer":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{colour}">{inside}</rect>'
    if kind == "deadline":
        return (
            f'<line x1="{x:.1f}" y1="{y - 9:.1f}" x2="{x:.1f}" y2="{y + 9:.1f}" stroke="{MUTED}" '
            f'stroke-width="2" stroke-dasharray="3 2">{inside}</line>'
        )
    if kind == "due":
        return (
            f'<path d="M{x:.1f} {y - 10:.1f}V{y + 10:.1f}M{x:.1f} {y - 10:.1f}h8l-3 3.5l3 3.5h-8" '
            f'fill="{INK}" stroke="{INK}" stroke-width="1.5">{inside}</path>'
        )
    if kind == "meeting":
        return f'<path d="M{x:.1f} {y - 7:.1f}l7 7l-7 7l-7 -7z" fill="{MEETING_COLOUR}">{inside}</path>'
    # "next", and anything else: an open circle
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#ffffff" stroke="{MUTED}" stroke-width="1.5" '
        f'stroke-dasharray="2 1.5">{inside}</circle>'
    )


def _legend(y: float, kinds: list[str]) -> list[str]:
    out = ['<g class="legend">']
    x = float(LEFT)
    for kind in kinds:
        colour = COLOURS["good"] if kind == "answer" else COLOURS[""]
        out.append(_shape(kind, x, y, colour))
        label = LEGEND_TEXT[kind]
        out.append(f'<text x="{x + 12:.1f}" y="{y + 4:.1f}" fill="{MUTED}">{escape(label)}</text>')
        x += 32 + 6.5 * len(label)
    out.append("</g>")
    return out


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname() or ''}".strip()
