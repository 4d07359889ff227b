"""The reply reader measured on the project's own labelled corpus (tests/data/corpus).

Every message there was written for this project and labelled by hand (labels.tsv; see the
corpus README). The bars below are the product's quality bar, not a snapshot of the current
reader: a false *accept* is the worst error Followthru can make, so there must be none.
"""

from __future__ import annotations

import csv
import email
from collections import Counter
from datetime import date
from email import policy
from functools import lru_cache
from pathlib import Path

import pytest

from followthru.replies import read_reply

CORPUS = Path(__file__).parents[1] / "data" / "corpus"
ZONE = "America/New_York"
INTENTS = {"accept", "decline", "tentative", "counter", "question", "auto_reply", "bounce", "unclear"}
COLUMNS = ["file", "intent", "proposed_date", "return_date", "language", "client", "note"]

MIN_ACCURACY = 0.95
MIN_PROPOSED_DATES = 0.90
MIN_RETURN_DATES = 0.90


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    with open(CORPUS / "labels.tsv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        assert reader.fieldnames == COLUMNS, reader.fieldnames
        rows = list(reader)
    table = {row["file"]: row for row in rows}
    assert len(table) == len(rows), "a file is listed twice in labels.tsv"
    return table


@lru_cache(maxsize=1)
def readings() -> dict[str, object]:
    return {name: read_reply((CORPUS / name).read_bytes(), ZONE) for name in labels()}


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _got(reply) -> str:
    return reply.intent


def _summary(mistakes: list[str] | None = None) -> str:
    """A confusion table (label -> what the reader said) and the misread files."""
    table = labels()
    got = readings()
    pairs = Counter((row["intent"], _got(got[name])) for name, row in table.items())
    names = sorted(INTENTS)
    width = max(len(n) for n in names) + 2
    lines = ["confusion (rows: label, columns: reader):", " " * width + "".join(n[:9].rjust(10) for n in names)]
    for want in names:
        lines.append(want.ljust(width) + "".join(str(pairs.get((want, have), "") or ".").rjust(10) for have in names))
    wrong = [
        (name, row["intent"], got[name]) for name, row in sorted(table.items()) if _got(got[name]) != row["intent"]
    ]
    lines.append(f"misread: {len(wrong)} of {len(table)}")
    for name, want, reply in wrong:
        lines.append(f"  {name}: label {want}, got {reply.intent} ({(reply.evidence or '')[:100]!r})")
    if mistakes:
        lines.append("")
        lines.extend(mistakes)
    return "\n".join(lines)


# --- the corpus itself ------------------------------------------------------------------------


def test_labels_list_every_message_and_nothing_else():
    on_disk = {path.name for path in CORPUS.glob("*.eml")}
    listed = set(labels())
    assert on_disk - listed == set(), f"not in labels.tsv: {sorted(on_disk - listed)}"
    assert listed - on_disk == set(), f"listed but missing: {sorted(listed - on_disk)}"
    assert len(on_disk) >= 220


def test_labels_are_well_formed():
    for name, row in labels().items():
        assert row["intent"] in INTENTS, (name, row["intent"])
        proposed, back = _day(row["proposed_date"]), _day(row["return_date"])
        if proposed:
            assert row["intent"] == "counter", f"{name}: a proposed_date belongs to a counter"
        if back:
            assert row["intent"] == "auto_reply", f"{name}: a return_date belongs to an auto_reply"
        assert row["language"], name
        assert row["client"], name


def test_every_intent_is_covered():
    counts = Counter(row["intent"] for row in labels().values())
    assert set(counts) == INTENTS, counts
    assert min(counts.values()) >= 10, counts


@pytest.mark.parametrize("name", sorted(labels()))
def test_every_message_parses(name):
    raw = (CORPUS / name).read_bytes()
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["From"], name
    assert message["Date"] and message["Date"].datetime is not None, name
    assert message["Message-ID"] or message["Message-Id"], name
    assert not [d for d in message.defects if "Missing" not in type(d).__name__], (name, message.defects)
    for part in message.walk():
        if part.get_content_maintype() == "text":
            part.get_content()  # every text part decodes
    reply = readings()[name]
    assert reply.intent in INTENTS, (name, reply.intent)


# --- the reader on the corpus -------------------------------------------------------------------


def test_no_false_accepts():
    got = readings()
    false = [
        f"  {name}: label {row['intent']}, read as accept "
        f"(evidence {got[name].evidence!r}; words {got[name].words[:80]!r})"
        for name, row in sorted(labels().items())
        if row["intent"] != "accept" and got[name].intent == "accept"
    ]
    assert not false, f"{len(false)} false accept(s):\n" + "\n".join(false) + "\n\n" + _summary()


def test_intent_accuracy():
    table = labels()
    got = readings()
    right = sum(_got(got[name]) == row["intent"] for name, row in table.items())
    accuracy = right / len(table)
    assert accuracy >= MIN_ACCURACY, (
        f"intent accuracy {accuracy:.1%} ({right}/{len(table)}) < {MIN_ACCURACY:.0%}\n" + _summary()
    )


def test_proposed_dates_of_counters():
    got = readings()
    rows = {name: row for name, row in labels().items() if row["intent"] == "counter" and row["proposed_date"]}
    assert rows
    wrong = [
        f"  {name}: want {row['proposed_date']}, got {got[name].proposed_date} (intent {got[name].intent})"
        for name, row in sorted(rows.items())
        if got[name].proposed_date != _day(row["proposed_date"])
    ]
    share = 1 - len(wrong) / len(rows)
    assert share >= MIN_PROPOSED_DATES, (
        f"proposed dates right in {share:.1%} of {len(rows)} counters < {MIN_PROPOSED_DATES:.0%}:\n" + "\n".join(wrong)
    )


def test_return_dates_of_out_of_office_replies():
    got = readings()
    rows = {name: row for name, row in labels().items() if row["return_date"]}
    assert rows
    wrong = [
        f"  {name}: want {row['return_date']}, got {got[name].return_date} (intent {got[name].intent})"
        for name, row in sorted(rows.items())
        if got[name].return_date != _day(row["return_date"])
    ]
    share = 1 - len(wrong) / len(rows)
    assert share >= MIN_RETURN_DATES, (
        f"return dates right in {share:.1%} of {len(rows)} out-of-office replies < "
        f"{MIN_RETURN_DATES:.0%}:\n" + "\n".join(wrong)
    )
