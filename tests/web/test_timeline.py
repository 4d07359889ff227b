"""The timeline picture on its own: SVG that parses as XML, one row per person (and one for the
meetings when there are any), every text escaped, a hover title on every mark, date ticks in the
plan's timezone, and nothing the pages' Content-Security-Policy forbids."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from followthru.web.timeline import Lane, Mark, timeline

SVG = "{http://www.w3.org/2000/svg}"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
NEW_YORK = ZoneInfo("America/New_York")


def groups(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == kind]


def lanes() -> list[Lane]:
    return [
        Lane(
            "Sam <script>alert(1)</script> & co",
            (
                Mark(NOW - timedelta(days=1), "request", "request sent"),
                Mark(NOW - timedelta(hours=20), "answer", "declined <b>", "bad"),
            ),
            "Security",
        ),
        Lane("Lee", (Mark(NOW + timedelta(days=8), "due", "work due"),)),
        Lane("Kim", ()),
    ]


def test_one_row_per_person_and_every_text_escaped():
    markup = str(timeline(lanes(), [], NOW, NEW_YORK, title="Plan <x>"))
    svg = ET.fromstring(markup)
    assert svg.tag == f"{SVG}svg" and svg.get("class") == "timeline"
    rows = groups(svg, "person")
    assert [g.find(f"{SVG}text").find(f"{SVG}title").text for g in rows] == [
        "Sam <script>alert(1)</script> & co (Security)",
        "Lee",
        "Kim",
    ]
    assert "<script" not in markup and "<b>" not in markup
    assert svg.find(f"{SVG}title").text == "Plan <x>"
    assert groups(svg, "meetings") == [], "no meetings, no row for them"


def test_every_mark_has_a_hover_title_with_its_local_time():
    svg = ET.fromstring(str(timeline(lanes(), [], NOW, NEW_YORK)))
    rows = groups(svg, "person")
    marks = [child for child in rows[0] if child.tag != f"{SVG}text" and child.tag != f"{SVG}line"]
    assert [m.find(f"{SVG}title").text for m in marks] == [
        "request sent — Mon 30 Nov 2026, 10:00 EST",
        "declined <b> — Mon 30 Nov 2026, 14:00 EST",
    ]
    assert marks[1].get("fill") == "#b3261e", "a refusal is red"


def test_meetings_sit_on_a_row_above_the_people():
    meetings = [
        Mark(NOW + timedelta(days=2), "meeting", "Check-in"),
        Mark(NOW + timedelta(days=9), "meeting", "Review"),
    ]
    svg = ET.fromstring(str(timeline(lanes(), meetings, NOW, NEW_YORK)))
    (row,) = groups(svg, "meetings")
    assert [p.find(f"{SVG}title").text.split(" — ")[0] for p in row.iter(f"{SVG}path")] == ["Check-in", "Review"]
    first_person = groups(svg, "person")[0]
    assert float(row.find(f"{SVG}line").get("y1")) < float(first_person.find(f"{SVG}line").get("y1"))


def test_the_axis_has_date_ticks_in_the_zone_and_a_now_line_between_them():
    svg = ET.fromstring(str(timeline(lanes(), [], NOW, NEW_YORK)))
    (axis,) = groups(svg, "axis")
    labels = [t.text for t in axis.iter(f"{SVG}text")]
    assert 3 <= len(labels) <= 10
    assert labels[0] == "01 Dec" and labels[-1] == "09 Dec", "local midnights in New York"
    ticks = [float(line.get("x1")) for line in axis.iter(f"{SVG}line")][:-1]
    (now,) = groups(svg, "now")
    x = float(now.find(f"{SVG}line").get("x1"))
    assert ticks == sorted(ticks) and ticks[0] < x < ticks[-1]
    assert now.find(f"{SVG}line").find(f"{SVG}title").text == "now: Tue 01 Dec 2026, 10:00 EST"


def test_a_short_span_has_hour_ticks():
    short = [Lane("Sam", (Mark(NOW + timedelta(hours=3), "request", "request sent"),))]
    (axis,) = groups(ET.fromstring(str(timeline(short, [], NOW, NEW_YORK))), "axis")
    assert [t.text for t in axis.iter(f"{SVG}text")][:2] == ["Tue 06:00", "Tue 09:00"]


def test_nothing_the_content_security_policy_forbids():
    svg = ET.fromstring(str(timeline(lanes(), [Mark(NOW, "meeting", "M")], NOW, NEW_YORK)))
    for element in svg.iter():
        assert element.get("style") is None, element.tag
        assert not element.tag.endswith(("script", "foreignObject", "style", "a", "image"))
        assert not [name for name in element.attrib if name.startswith("on") or "href" in name]


def test_a_long_name_is_cut_on_the_row_and_whole_in_its_title():
    name = "Bartholomew Featherstonehaugh-Cholmondeley"
    svg = ET.fromstring(str(timeline([Lane(name, ())], [], NOW, NEW_YORK)))
    label = groups(svg, "person")[0].find(f"{SVG}text")
    assert label.find(f"{SVG}title").text == name
    assert label.find(f"{SVG}title").tail.endswith("…") and len(label.find(f"{SVG}title").tail) == 24
