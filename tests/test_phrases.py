"""What the engine writes for people is worded in each reader's language: stakeholder news, the
owner's digest lines and the lines of what lapsed, from phrases whose wording is data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followthru.config import Config, Sender
from followthru.drafting.drafter import Drafter
from followthru.drafting.messages import Composer
from followthru.drafting.render import Renderer
from followthru.drafting.views import Formatter
from followthru.engine import Engine
from followthru.phrases import english, phrase, reread, words
from followthru.planfile import load_plan
from followthru.states import Answer, PlanState

ROOT = Path(__file__).resolve().parents[1]
NY = ZoneInfo("America/New_York")
START = datetime(2026, 11, 30, 10, 0, tzinfo=NY)
SAMPLES = {
    "reason": phrase("reason.declined"),
    "backup": "Kim Standby",
    "plan": "acme-q4",
    "meeting": "review",
    "when": datetime(2026, 12, 17, 15, 0, tzinfo=timezone.utc),
}


@pytest.fixture
def plan():
    return load_plan(ROOT / "examples" / "acme-q4.toml").plan


def test_every_language_words_every_phrase_with_the_same_placeholders():
    english_words = words("en")
    for language in ("de",):
        table = words(language)
        for section in ("news", "lapsed", "outcome", "reason", "attention"):
            for entry, text in english_words[section].items():
                assert table[section][entry] != text, f"{language}.{section}.{entry} is not translated"
                assert fields(table[section][entry]) <= fields(text) | {"owner"}, (section, entry)


def fields(text: str) -> set[str]:
    return {part.split("}")[0] for part in text.split("{")[1:]}


@pytest.mark.parametrize("entry", sorted(words("en")["attention"]))
def test_every_attention_line_reads_back_as_the_phrase_it_was(entry):
    text = words("en")["attention"][entry]
    values = {name: value for name, value in SAMPLES.items() if "{" + name + "}" in text}
    said = phrase(f"attention.{entry}", **values)
    assert reread(english(said)) == said


def test_a_line_followthru_did_not_write_is_left_alone():
    assert reread("called about the budget") is None
    assert reread("unknown reason, no backup left") is None  # not one of the reasons


def test_a_german_stakeholder_reads_the_news_in_german(plan):
    plan = plan.model_copy(
        update={"stakeholders": [plan.stakeholders[0].model_copy(update={"language": "de"}), *plan.stakeholders[1:]]}
    )
    config = Config(sender=Sender(email="followthru@example.com"))
    engine = Engine(config)
    state = engine.start(plan, START).state
    out = engine.reply(plan, state, "sol", Answer("decline", words="Nein"), START + timedelta(hours=1))
    drafted = Drafter(config, Composer(config, Renderer(), b"k" * 32)).draft(plan, out, START)
    [news] = [d.message.parsed() for d in drafted if d.kind == "stakeholder_update"]
    text = news.get_body(("plain",)).get_content()
    assert "Sol Engineer hat abgesagt; Kim Standby wurde gebeten einzuspringen." in text
    assert "declined" not in text and "was asked" not in text


def test_the_owners_digest_words_what_needs_them_in_their_language(plan):
    plan = plan.model_copy(update={"owner": plan.owner.model_copy(update={"language": "de"})})
    config = Config(sender=Sender(email="followthru@example.com"))
    state = PlanState(
        plan.id,
        attention=[
            "sam: proposed other terms",
            "lee: declined, no backup left",
            "meeting review: sol.engineer@example.com proposed 2026-12-17T15:00:00+00:00 "
            "(followthru decide acme-q4 review approve|reject)",
            "pat: called about the budget",
        ],
    )
    digest = Composer(config, Renderer(), b"k" * 32).digest([(plan, state)], START)
    text = digest.parsed().get_body(("plain",)).get_content()
    assert "- Sam Security: hat andere Bedingungen vorgeschlagen" in text
    assert "- Lee Legal: hat abgesagt, keine Vertretung mehr" in text
    assert (
        "- ACME Q4 expansion - review: Sol Engineer: schlägt Do., 17. Dez. 2026, 10:00 EST vor "
        "(followthru decide acme-q4 review approve|reject)" in text
    )
    assert "- Pat Backup: called about the budget" in text  # not Followthru's words: as they are


def test_lists_and_dates_follow_the_readers_language():
    said = phrase("news.started", owner="Riley Rep", names=["Sam", "Lee", "Sol"])
    assert Formatter(NY, "en", NY).say(said) == "Riley Rep asked Sam, Lee, and Sol to commit."
    assert Formatter(NY, "de", NY).say(said) == "Riley Rep hat Sam, Lee und Sol um eine Zusage gebeten."
    due = phrase("lapsed.due", name="Lee", due=datetime(2026, 12, 10, 17, 0), state=phrase("state.accepted"))
    assert (
        Formatter(ZoneInfo("Europe/Berlin"), "de", NY).say(due)
        == "Der Teil von Lee war fällig am Do., 10. Dez. 2026, 23:00 CET (zugesagt)."
    )
