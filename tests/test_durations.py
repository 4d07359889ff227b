from datetime import timedelta

import pytest

from followthru.durations import Offset, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("PT45M", timedelta(minutes=45)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        (45, timedelta(minutes=45)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "30", "0m", "P", "-5m", "1x", True])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_offsets():
    assert Offset.parse("1bd") == Offset(business_days=1)
    assert Offset.parse("4h") == Offset(clock=timedelta(hours=4))
    assert [str(Offset.parse(t)) for t in ("2bd", "4h", "90m", "30m")] == ["2bd", "4h", "1h30m", "30m"]
    with pytest.raises(ValueError):
        Offset.parse("0bd")
