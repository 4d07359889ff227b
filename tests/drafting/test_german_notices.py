"""German readers get owner notices, stakeholder updates and the digest in German, and every kind
ships a German variant of its subject, text and HTML (a new kind must bring one)."""

from __future__ import annotations

import pytest

from followthru.drafting.render import KINDS, Renderer
from support.rendering import SHIPPED, contexts

GERMAN = SHIPPED / "de"

# kind: (a German word in the subject, one in the text, English phrases of the English template)
EXPECTED = {
    "stakeholder_update": (
        "Änderung im Team",
        "Neuigkeiten zu",
        ["Team change", "An update on", "Nothing to do on your side", "Where the team stands"],
    ),
    "digest": ("täglich", "offenen Pläne", ["daily:", "open plan", "Needs you", "Here is where", "need you"]),
    "owner_declined": (
        "Abgesagt",
        "Wie es weitergeht",
        ["Declined:", "declined your request", "What happens next", "In their words", "the next backup"],
    ),
    "owner_counter": (
        "Deine Entscheidung",
        "Annehmen",
        ["Your call", "proposes other terms", "on the first line", "They propose", "What you asked"],
    ),
    "owner_question": (
        "Rückfrage",
        "pausiert",
        ["Question from", "has a question", "What happens next", "get back to them"],
    ),
    "owner_away": (
        "Abwesend",
        "Abwesenheitsnotiz",
        ["Out of office", "out-of-office", "They are back", "The auto-reply", "the next backup"],
    ),
    "owner_bounced": (
        "Nicht zugestellt",
        "nicht zugestellt werden",
        ["Not delivered", "could not be delivered", "Reason:", "What happens next"],
    ),
    "owner_no_answer": (
        "Keine Antwort",
        "nicht geantwortet",
        ["No answer", "did not answer your", "no backup left", "What happens next"],
    ),
    "owner_unmatched": (
        "Nicht gezählt",
        "Was du tun kannst",
        ["Not counted", "What you can do", "A reply came in", "Subject:", "Date:"],
    ),
    "owner_rejected": (
        "Plan nicht geladen",
        "Was nicht stimmt",
        ["Plan not loaded", "What is wrong", "Nothing was sent", "To fix it"],
    ),
    "owner_undelivered": ("Nicht zugestellt an", "Grund:", ["Not delivered", "Reason:", "Message:", "What you can do"]),
    "owner_lapsed": (
        "Während Followthru nicht lief",
        "verfallen",
        ["was not running", "lapsed", "Everything about this plan"],
    ),
    "owner_handed_over": ("gehört jetzt dir", "übergeben", ["is yours now", "was handed", "Nobody on the team"]),
    "owner_meeting_answer": (
        "Neue Zeit vorgeschlagen",
        "Deine Entscheidung",
        ["New time proposed", "Your call", "They propose", "proposes a new time"],
    ),
}

# English phrases every English notice shares.
COMMON_ENGLISH = [
    "Hi ",
    "Everything about this plan",
    "you get this as the owner",
    "Sent by Followthru",
    "— Followthru, for ",
]


def german(kind: str, context: dict):
    return Renderer(shipped=SHIPPED).render(kind, context, "de")


def check(rendered, english: list[str]) -> None:
    shown = rendered.subject + rendered.text + rendered.html
    assert "Undefined" not in shown
    assert rendered.html.lstrip().lower().startswith("<!doctype html")
    assert '<html lang="de">' in rendered.html
    assert rendered.text.splitlines()[0].startswith("Hallo ")
    assert "\n\n\n" not in rendered.text
    for phrase in english + COMMON_ENGLISH:
        assert phrase not in shown, phrase


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_the_kind_reads_german(views, kind):
    subject_word, text_word, english = EXPECTED[kind]
    context = contexts(views, "de")[kind]
    rendered = german(kind, context)
    assert subject_word in rendered.subject
    assert text_word in rendered.text
    check(rendered, english)
    if kind not in ("owner_rejected", "digest", "owner_lapsed"):
        assert "ACME Corp - Q4 expansion" in rendered.subject + rendered.text


def test_data_and_commands_stay_as_they_come(views):
    every = contexts(views, "de")
    lapsed = german("owner_lapsed", every["owner_lapsed"])
    assert "- Lee Legal did not answer by Wed 2 Dec 2026, 17:00 EST; no backup is left." in lapsed.text
    assert "followthru status acme-q4" in lapsed.text and "plans/incoming/" in lapsed.text
    digest = german("digest", every["digest"])
    assert "- Sam Security proposed Dec 11 instead of Dec 9" in digest.text
    assert "[aktiv]" in digest.text and "Details: followthru status" in digest.text
    update = german("stakeholder_update", every["stakeholder_update"])
    assert "Sam Security declined; Pat Backup was asked." in update.text
    counter = german("owner_counter", every["owner_counter"])
    for words in (
        "followthru decide acme-q4 sam approve",
        "followthru decide acme-q4 sam reject",
        "APPROVE",
        "REJECT",
        "Fri 11 Dec 2026",
        "I can't make Dec 9, sorry.",
    ):
        assert words in counter.text
    rejected = german("owner_rejected", every["owner_rejected"])
    assert "acme.toml:14: resources[0].email: not valid" in rejected.text
    assert "followthru plan check acme.toml" in rejected.text and "plans/rejected/" in rejected.text
    undelivered = german("owner_undelivered", every["owner_undelivered"])
    assert "casey.csm@example.com" in undelivered.subject and "550 5.1.1 No such user here" in undelivered.text


@pytest.mark.parametrize(
    "milestone, label",
    [
        ("started", "Gestartet"),
        ("dropped_out", "Änderung im Team"),
        ("at_risk", "Gefährdet"),
        ("all_committed", "Alle haben zugesagt"),
        ("cancelled", "Abgesagt"),
        ("closed", "Abgeschlossen"),
        ("something_new", "Neuigkeiten"),
    ],
)
def test_every_milestone_has_a_german_label(views, milestone, label):
    context = {**contexts(views, "de")["stakeholder_update"], "milestone": milestone}
    rendered = german("stakeholder_update", context)
    assert rendered.subject == f"{label}: ACME Corp - Q4 expansion"
    check(rendered, EXPECTED["stakeholder_update"][2])
    assert ("Plan B" in rendered.text) == (milestone in ("at_risk", "dropped_out"))


@pytest.mark.parametrize(
    "reason, facts, says",
    [
        ("unmatched", {}, "keiner deiner Anfragen zuordnen"),
        ("unverified", {}, "nicht als Antwort gezählt"),
        ("forged", {"checks": "dmarc=fail"}, "dmarc=fail"),
        ("unclear", {}, "nicht als klare Zusage oder Absage"),
        ("late", {}, "schon abgeschlossen"),
        ("stale", {"answered_version": 1, "current_version": 2}, "Version 1 des Plans"),
        ("ambiguous", {"plans": ["Plan alpha", "Plan beta"]}, "Plan alpha, Plan beta"),
        ("list", {"list_id": "security.lists.example.com"}, "security.lists.example.com"),
    ],
)
def test_every_unmatched_reason_reads_german(views, reason, facts, says):
    context = {**contexts(views, "de")["owner_unmatched"], "reason": reason, **facts}
    rendered = german("owner_unmatched", context)
    assert says in rendered.text and says in rendered.html
    assert "Von: someone@else.example" in rendered.text and "Betreff: Re: Can you commit?" in rendered.text
    check(rendered, ["What you can do", "A reply", "Someone", "could not", "Otherwise"])
    assert ("followthru status acme-q4" in rendered.text) == (reason in ("unclear", "late", "stale"))


@pytest.mark.parametrize(
    "answer, says",
    [
        ("counter", "Deine Entscheidung"),
        ("declined", "abgesagt"),
        ("tentative", "vorläufig zugesagt"),
    ],
)
def test_every_meeting_answer_reads_german(views, answer, says):
    context = {**contexts(views, "de")["owner_meeting_answer"], "answer": answer}
    rendered = german("owner_meeting_answer", context)
    assert says in rendered.text and says in rendered.html
    check(rendered, EXPECTED["owner_meeting_answer"][2] + ["Tentative", "Declined", "declined"])


@pytest.mark.parametrize(
    "kind, changes",
    [
        ("owner_away", {"handover": True, "backup": None}),
        ("owner_away", {"handover": False, "return_date": ""}),
        ("owner_counter", {"proposed": "", "backup": None}),
        ("owner_no_answer", {"backup": {"name": "Pat Backup"}}),
        ("owner_bounced", {"backup": None, "reason": ""}),
        ("owner_handed_over", {"is_new": False}),
        ("owner_meeting_answer", {"proposed": ""}),
        ("digest", {"plans": []}),
    ],
)
def test_the_other_branches_read_german_too(views, kind, changes):
    rendered = german(kind, {**contexts(views, "de")[kind], **changes})
    check(rendered, EXPECTED[kind][2])


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_german_variant(kind):
    missing = [part for part in ("subject", "txt", "html") if not (GERMAN / f"{kind}.{part}").is_file()]
    assert missing == [], f"templates/de/{kind}: add a German {', '.join(missing)}"
