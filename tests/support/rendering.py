"""The variables each kind of message is rendered with, for the template tests."""

from __future__ import annotations

from pathlib import Path

from followthru.drafting.views import PlanViews
from followthru.weblinks import answer_links

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "templates"


def kind_extras(views: PlanViews, reader) -> dict[str, dict]:
    """Variables each kind receives on top of the plan's (templates/README.md)."""
    fmt = views.formatter(reader)
    plan = views.plan
    sam = views.resource(plan.resource("sam"), fmt)
    pat = views.resource(plan.resource("pat"), fmt, stands_in_for=plan.resource("sam"))
    decide = {"approve": "followthru decide acme-q4 sam approve", "reject": "followthru decide acme-q4 sam reject"}
    # The asking kinds as a workspace with web.base_url sends them: with answer buttons.
    links = {r: answer_links("https://followthru.example.com", b"k" * 32, plan.id, r, "ask-1") for r in ("sam", "pat")}
    notice = {"resource": sam, "their_words": "I can't make Dec 9, sorry.", "backup": {"name": "Pat Backup"}}
    return {
        "request": {"resource": sam, "answer_links": links["sam"]},
        "reminder": {"resource": sam, "requested_on": "Mon 30 Nov 2026", "answer_links": links["sam"]},
        "last_call": {"resource": sam, "requested_on": "Mon 30 Nov 2026", "answer_links": links["sam"]},
        "backup_request": {
            "resource": pat,
            "replaces": {"name": "Sam Security", "reason": "declined"},
            "answer_links": links["pat"],
        },
        "due_reminder": {"resource": sam},
        "counter_approved": {"resource": {**sam, "due": "Fri 11 Dec 2026"}},
        "released": {"resource": sam, "reason": "cancelled"},
        "all_committed": {},
        "stakeholder_update": {
            "stakeholder": {"name": "Morgan Manager", "why": "Regional VP"},
            "milestone": "dropped_out",
            "news": "Sam Security declined; Pat Backup was asked.",
        },
        "meeting": {"meeting": views.meeting(plan.meetings[0], fmt)},
        "digest": {
            "plans": [
                {
                    "title": plan.plan.title,
                    "state": "active",
                    "needs_attention": ["Sam Security proposed Dec 11 instead of Dec 9"],
                    "roster": views.roster(fmt),
                }
            ]
        },
        "owner_declined": notice,
        "owner_counter": {**notice, "proposed": "Fri 11 Dec 2026", "decide": decide},
        "owner_question": {**notice, "their_words": "Which SSO provider does ACME use?"},
        "owner_away": {**notice, "return_date": "Mon 14 Dec 2026", "handover": True},
        "owner_bounced": {**notice, "reason": "550 5.1.1 user unknown"},
        "owner_no_answer": {**notice, "deadline": "Wed 2 Dec 2026, 12:00 EST", "backup": None},
        "owner_unmatched": {
            "message": {
                "sender": "someone@else.example",
                "subject": "Re: Can you commit?",
                "date": "Tue 1 Dec 2026, 09:12 EST",
            },
            "their_words": "Yes, count me in.",
            "reason": "unverified",
            "claimed": "Sam Security",
        },
        "owner_rejected": {"file": "acme.toml", "problems": ["acme.toml:14: resources[0].email: not valid"]},
        "owner_undelivered": {
            "recipient": "casey.csm@example.com",
            "reason": "550 5.1.1 No such user here",
            "message": {"subject": "ACME Corp - Q4 expansion: under way", "kind": "stakeholder_update"},
        },
        "owner_lapsed": {
            "since": "Mon 30 Nov 2026, 10:00 EST",
            "now": "Mon 14 Dec 2026, 09:00 EST",
            "plans": [
                {
                    "id": plan.id,
                    "title": plan.plan.title,
                    "lines": ["Lee Legal did not answer by Wed 2 Dec 2026, 17:00 EST; no backup is left."],
                }
            ],
        },
        "owner_handed_over": {"old_owner": "riley@example.com", "new_owner": "jo@example.com", "is_new": True},
        "owner_sign_in": {"link": "https://followthru.example.com/sign-in/n0nce.signature", "minutes": 15},
        "owner_meeting_answer": {
            "meeting": {"title": "Security review", "key": "review", "start": "Wed 9 Dec 2026, 11:00 EST"},
            "attendee": {"name": "Sam Security", "email": "sam@example.com"},
            "answer": "counter",
            "proposed": "Thu 10 Dec 2026, 10:00 EST",
            "decide": {
                "approve": "followthru decide acme-q4 review approve",
                "reject": "followthru decide acme-q4 review reject",
            },
        },
    }


def contexts(views: PlanViews, language: str = "en") -> dict[str, dict]:
    reader = views.owner()
    reader = type(reader)(reader.name, reader.email, reader.timezone, language)
    base = views.context(
        reader,
        sender={"name": "Followthru", "email": "followthru@example.com"},
        answer_to="followthru+token@example.com",
    )
    return {kind: {**base, **extra} for kind, extra in kind_extras(views, reader).items()}
