"""One-click answer buttons in the messages that ask someone to commit, and the owner's sign-in message.

With ``web.base_url`` set, every request, backup request, reminder and last call carries four answer
links (I commit, I can't, propose another date, I have a question) and the page of the ask, in its text
and its HTML part, made from the same plan, person and ask as its reply token. Without it, the messages
are byte for byte what they were before the buttons came.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from followthru.config import Config, Web, load_config
from followthru.daemon import Followthru
from followthru.drafting.compose import Built
from followthru.drafting.drafter import Drafted, Drafter
from followthru.drafting.messages import ANSWER_KINDS, Composer
from followthru.drafting.render import Renderer
from followthru.drafting.views import PlanViews
from followthru.engine import Engine
from followthru.tokens import token_key, verify_token
from followthru.weblinks import CHOICES, answer_links, read_answer_token
from support.chromium import chromium
from support.daemon_pass import START, drop
from support.drafted import BASE, EXAMPLE, SECRET, composer, config, conversation, example, normalized

LINK = re.compile(r"https://followthru\.example\.com/a/([a-z0-9]+)(?:/([a-z]+))?")
LABELS = {
    "en": {
        "commit": "I commit",
        "decline": "I can't",
        "propose": "Propose another date",
        "question": "I have a question",
    },
    "de": {
        "commit": "Ich sage zu",
        "decline": "Ich kann nicht",
        "propose": "Anderen Termin vorschlagen",
        "question": "Ich habe eine Frage",
    },
}
SAFE_TO_OPEN = {
    "en": "Opening a link changes nothing",
    "de": "Das Öffnen eines Links ändert noch nichts",
}

# The asking messages drafted before the answer buttons existed (see `asking_messages`), their
# Message-ID and MIME boundaries set aside. Without web.base_url they must stay exactly these bytes;
# after a deliberate change to these templates, put the digests the failure prints here.
BEFORE_BUTTONS = {
    "en/request": "102e66662c71d24507d13bf901b7a6f8905248529c848a1b8e9004dcad4386a4",
    "en/reminder": "6562ec38e7bc42212fa4940d947d57241acff3b7380f3bed2645f78a7a3236c3",
    "en/last_call": "3eb4378dc2a66c2b5b7b41b961905729849207a4558a2bff363631fab94b4b2f",
    "en/backup_request": "4855fb2f9c0f90fca93d00b6e0b306317978a5f536dfcab5ffd5958fc17709f3",
    "de/request": "d20481c0e9444c1cb55f679bd66559c712269f472e324675fc8992c50c035568",
    "de/reminder": "ebb9284095fae950817c50a54355d227e8c45d1fb658592318872073eacd4c6c",
    "de/last_call": "f332f0439b9a43a984f81c9b1466df5ff702c3e44d54e8b0b52f9e9959a3d16e",
    "de/backup_request": "cd9c492bcb19330691b9fdb4c7d67c9e6c03d6200b42e037f4222f9ce56d44ef",
}


# ---- making messages ---------------------------------------------------------------------------


def asking_messages(base_url: str) -> dict[str, Built]:
    """Each asking kind to Sam (Pat for the backup request), in English and German, for one ask."""
    built = {}
    source = example()
    now = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
    for language in ("en", "de"):
        plan = source.model_copy(
            update={"resources": [r.model_copy(update={"language": language}) for r in source.resources]}
        )
        views = PlanViews(plan)
        sam, pat = plan.resource("sam"), plan.resource("pat")
        asked_on = views.formatter(views.resource_person(sam)).say(now)
        cases = {
            "request": (sam, None, {}),
            "reminder": (sam, None, {"requested_on": asked_on}),
            "last_call": (sam, None, {"requested_on": asked_on}),
            "backup_request": (pat, sam, {"replaces": {"name": "Sam Security", "reason": "declined"}}),
        }
        for kind, (resource, stands_in_for, extra) in cases.items():
            built[f"{language}/{kind}"] = composer(base_url).request(
                views, resource, now, kind, stands_in_for=stands_in_for, extra=extra, ask="0123456789abcdef"
            )
    return built


# ---- reading them --------------------------------------------------------------------------------


def parts(built: Built) -> tuple[str, str]:
    message = built.parsed()
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


class Anchors(HTMLParser):
    """Every link of an HTML part: (its text, its href)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.found.append((" ".join("".join(self._text).split()), self._href))
            self._href = None


def anchors(html: str) -> list[tuple[str, str]]:
    parser = Anchors()
    parser.feed(html)
    return parser.found


def text_links(text: str) -> dict[str, str]:
    """``{label: url}`` of the lines ``label: url`` of a text part (the page's line too)."""
    return {m[1].lstrip("- "): m[2] for m in re.finditer(r"^(.+?): (https://\S+)$", text, re.M)}


def reply_token(built: Built) -> str:
    reply_to = str(built.parsed()["Reply-To"])
    match = re.search(r"followthru\+([a-z0-9]+)@example\.com", reply_to)
    assert match, reply_to
    return match[1]


# ---- the tests -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_buttons() -> list[Drafted]:
    return conversation(BASE)


def test_every_asking_kind_carries_the_four_links_of_its_recorded_ask(with_buttons):
    plan = example()
    checked: dict[str, int] = {}
    for item in with_buttons:
        if item.kind not in ANSWER_KINDS:
            continue
        assert item.resource_id and item.ask, item.kind
        language = plan.resource(item.resource_id).language
        links = answer_links(BASE, SECRET, plan.id, item.resource_id, item.ask)
        text, html = parts(item.message)
        labels = LABELS[language]
        # Text: one line per choice; HTML: one button per choice, with the words of the reader's language.
        shown = text_links(text)
        assert {choice: shown[labels[choice]] for choice in CHOICES} == {c: links[c] for c in CHOICES}
        assert links["page"] in shown.values()
        buttons = dict(anchors(html))
        assert {choice: buttons[labels[choice]] for choice in CHOICES} == {c: links[c] for c in CHOICES}
        assert links["page"] in buttons.values()
        assert SAFE_TO_OPEN[language] in text and SAFE_TO_OPEN[language] in html
        # Every link names the ask the outbox records with the message, as its reply token does.
        expected = token_key(plan.id, item.resource_id, item.ask)
        tokens = {m[1] for m in LINK.finditer(text + html)}
        assert len(tokens) == 1
        assert read_answer_token(SECRET, tokens.pop()) == expected == verify_token(SECRET, reply_token(item.message))
        checked[item.kind] = checked.get(item.kind, 0) + 1
    assert set(checked) == ANSWER_KINDS, checked
    assert sum(checked.values()) >= 10


def test_the_reply_path_is_unchanged(with_buttons):
    """The Reply-To (with its token), the threading and the "reply to this email" words stay."""
    without = conversation("")
    assert [(i.kind, i.resource_id, i.ask) for i in without] == [(i.kind, i.resource_id, i.ask) for i in with_buttons]
    for plain, buttoned in zip(without, with_buttons, strict=True):
        if plain.kind not in ANSWER_KINDS:
            continue
        before, after = plain.message.parsed(), buttoned.message.parsed()
        for header in ("Reply-To", "Subject", "In-Reply-To", "References", "X-Followthru-Kind"):
            assert before[header] == after[header], header
        assert plain.message.envelope_from == buttoned.message.envelope_from
        # The text part is the one without buttons with the block of links added, nothing taken away.
        language = example().resource(plain.resource_id or "").language
        text, plain_text = parts(buttoned.message)[0], parts(plain.message)[0]
        added = text.splitlines()
        for line in plain_text.splitlines():
            assert line in added, line
            added = added[added.index(line) + 1 :]
        assert {"en": "in your own words", "de": "in deinen eigenen Worten"}[language] in text
        assert len(text.splitlines()) - len(plain_text.splitlines()) == 8


def test_a_changed_ask_gets_links_of_its_own(with_buttons):
    plan = example()
    first = next(i for i in with_buttons if i.kind == "request" and i.resource_id == "sol")
    engine = Engine(Config())
    state = engine.start(plan, START).state
    moved = plan.model_copy(
        update={
            "resources": [
                r.model_copy(update={"due": date(2026, 12, 11)}) if r.id == "sol" else r for r in plan.resources
            ]
        }
    )
    now = START + timedelta(hours=2)
    again = Drafter(config(BASE), composer(BASE)).draft(moved, engine.update(plan, moved, state, now), now, plan)
    second = next(i for i in again if i.kind == "request" and i.resource_id == "sol")
    assert second.ask and first.ask and second.ask != first.ask
    old, new = (LINK.search(parts(i.message)[0]) for i in (first, second))
    assert old and new and old[1] != new[1]
    assert read_answer_token(SECRET, new[1]) == token_key(plan.id, "sol", second.ask)
    assert read_answer_token(SECRET, old[1]) == token_key(plan.id, "sol", first.ask)
    assert token_key(plan.id, "sol", second.ask) != token_key(plan.id, "sol", first.ask)


def test_messages_that_ask_nothing_carry_no_answer_links(with_buttons):
    plan = example()
    others = [i for i in with_buttons if i.kind not in ANSWER_KINDS]
    kinds = {i.kind for i in others}
    assert {"stakeholder_update", "owner_declined", "owner_no_answer", "due_reminder", "meeting"} <= kinds, kinds
    messages = [i.message for i in others]
    messages.append(composer(BASE).digest([(plan, Engine(Config()).start(plan, START).state)], START))
    messages.append(composer(BASE).sign_in("riley@example.com", f"{BASE}/sign-in/n.s", 15, START))
    for message in messages:
        for part in parts(message):
            assert "/a/" not in part
            assert "I commit" not in part and "Ich sage zu" not in part


def test_only_the_asking_kinds_get_links_even_from_templates_of_ones_own(tmp_path):
    """A workspace's own template that prints ``answer_links`` gets them only in the four asking kinds."""
    for kind in ("request", "reminder", "due_reminder", "counter_approved", "released"):
        (tmp_path / f"{kind}.txt").write_text("links: [{{ answer_links.commit }}]\n")
    plan = example()
    views = PlanViews(plan)
    sam = plan.resource("sam")
    writer = Composer(config(BASE), Renderer(overrides=tmp_path), SECRET)
    shown = {}
    for kind in ("request", "reminder", "due_reminder", "counter_approved", "released"):
        built = writer.request(views, sam, START, kind, extra={"reason": "removed"}, ask="0123456789abcdef")
        shown[kind] = parts(built)[0].strip()
    commit = answer_links(BASE, SECRET, plan.id, "sam", "0123456789abcdef")["commit"]
    assert shown == {
        "request": f"links: [{commit}]",
        "reminder": f"links: [{commit}]",
        "due_reminder": "links: []",
        "counter_approved": "links: []",
        "released": "links: []",
    }
    assert writer.answer_links("request", plan.id, "sam", None) is None  # no ask: nothing to name
    assert composer("").answer_links("request", plan.id, "sam", "0123456789abcdef") is None


def test_without_base_url_the_messages_are_what_they_were():
    drafted = conversation("")
    assert ANSWER_KINDS <= {i.kind for i in drafted}
    for item in drafted:
        for part in parts(item.message):
            assert "/a/" not in part and "Your answer" not in part and "Deine Antwort" not in part
    found = {name: hashlib.sha256(normalized(built.raw)).hexdigest() for name, built in asking_messages("").items()}
    assert found == BEFORE_BUTTONS
    # The default config (no [web] section) is the same as an empty base_url.
    assert Config().web.base_url == ""
    # The check can fail: the same messages with buttons differ.
    buttoned = {name: hashlib.sha256(normalized(b.raw)).hexdigest() for name, b in asking_messages(BASE).items()}
    assert not set(buttoned.values()) & set(BEFORE_BUTTONS.values())


def test_plan_content_is_escaped_around_the_buttons():
    drafted = conversation(BASE, example("ACME <script>alert(1)</script> & {{ 7*7 }}"))
    request = next(i for i in drafted if i.kind == "request" and i.resource_id == "sam")
    text, html = parts(request.message)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in html
    assert "ACME <script>alert(1)</script> & {{ 7*7 }}" in text  # plain text shows it as it is
    assert len(LINK.findall(html)) == 5 and dict(anchors(html))["I commit"].endswith("/commit")


def test_german_readers_get_german_buttons(with_buttons):
    """Sol reads German (examples/acme-q4.toml); Sam English."""
    sol = next(i for i in with_buttons if i.kind == "request" and i.resource_id == "sol")
    text, html = parts(sol.message)
    for label in LABELS["de"].values():
        assert label in text and label in dict(anchors(html))
    for label in LABELS["en"].values():
        assert label not in text and label not in html.replace("&#39;", "'")
    assert "Deine Antwort" in html and '<html lang="de">' in html


def test_the_buttons_are_big_enough_to_tap_on_a_phone(with_buttons):
    """In a phone's width (375 px) every button shows and is at least 44 px high and most of the width."""
    requests = [i for i in with_buttons if i.kind == "request" and i.resource_id in ("sam", "sol")]
    with chromium() as browser:
        for item in requests:
            language = example().resource(item.resource_id or "").language
            page = browser.new_page(viewport={"width": 375, "height": 800})
            page.set_content(parts(item.message)[1])
            for label in LABELS[language].values():
                button = page.get_by_role("link", name=label, exact=True)
                box = button.bounding_box()
                assert button.is_visible() and box, label
                assert box["height"] >= 44 and box["width"] >= 240, (label, box)
                assert box["x"] + box["width"] <= 375, (label, box)
            page.close()


def test_the_links_name_the_ask_the_outbox_records(workspace):
    """End to end: the daemon starts the example plan; each request's links lead, through the store's
    asks, to the ask its outbox row is recorded with."""
    loaded = load_config(workspace)
    daemon = Followthru(
        loaded.model_copy(
            update={
                "sender": loaded.sender.model_copy(update={"email": "followthru@example.com"}),
                "web": Web(base_url=BASE),
            }
        )
    )
    try:
        drop(daemon, EXAMPLE.read_text())
        daemon.tick(START)
        rows = daemon.store.connection.execute(
            "SELECT plan_id, resource_id, ask, kind, raw FROM outbox ORDER BY id"
        ).fetchall()
        asking = [row for row in rows if row["kind"] in ANSWER_KINDS]
        assert {row["resource_id"] for row in asking} == {"sam", "lee", "sol"}
        for row in asking:
            text = Built("", [], bytes(row["raw"]), "").parsed().get_body(("plain",)).get_content()
            tokens = {m[1] for m in LINK.finditer(text)}
            assert len(tokens) == 1
            key = read_answer_token(daemon.secret, tokens.pop())
            assert key is not None
            asked = daemon.store.ask_by_token(key)
            assert asked is not None
            assert (asked["plan_id"], asked["resource_id"], asked["ask"]) == (
                row["plan_id"],
                row["resource_id"],
                row["ask"],
            )
        for row in rows:
            if row["kind"] not in ANSWER_KINDS:
                assert "/a/" not in Built("", [], bytes(row["raw"]), "").parsed().get_body(("plain",)).get_content()
    finally:
        daemon.close()


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_sign_in_message(language):
    link = f"{BASE}/sign-in/3f9a0c.{'a' * 26}"
    built = composer(BASE, language).sign_in("riley@example.com", link, 20, START)
    message = built.parsed()
    assert built.recipients == ["riley@example.com"] and message["To"] == "riley@example.com"
    assert message["X-Followthru-Kind"] == "owner_sign_in" and message["Auto-Submitted"] == "auto-generated"
    assert message["Reply-To"] is None and message["X-Followthru-Plan"] is None
    text, html = parts(built)
    words = {
        "en": ("Sign in to your Followthru board", "works once, for 20 minutes", "ignore this email"),
        "de": ("Bei deinem Followthru-Board anmelden", "einmal und 20 Minuten lang", "E-Mail ignorieren"),
    }[language]
    assert message["Subject"] == words[0]
    for part in (text, html):
        assert words[1] in part and words[2] in part and "riley@example.com" in part
    assert link in text.split()
    assert [href for _, href in anchors(html)] == [link, link]  # the button and the link written out
    assert '<html lang="de">' in html if language == "de" else '<html lang="en">' in html
