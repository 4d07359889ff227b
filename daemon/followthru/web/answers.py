"""The pages a person answers on: ``/a/TOKEN`` shows one version of their ask and a form; only
sending the form gives an answer (mail scanners open every link, and opening one changes nothing).

A link names the plan, the person and the version of the ask (followthru.weblinks). Its page says
so plainly when the ask has changed since, when the plan has ended, when the answer is already in
(by mail or here) or is being taken in; a link that was not made here gets the same page as an
address that does not exist. An answer is queued for the daemon (followthru.web_actions), which
applies it as a reply; one form sent twice is one answer, and a second answer while one waits is
refused.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from followthru import web_actions
from followthru.matching import own_due_date
from followthru.plan import Resource
from followthru.store import StoredPlan
from followthru.web.app import ANSWER_LIMIT, config, limiter, now, render, secret, store
from followthru.weblinks import CHOICES, read_answer_token

pages = Blueprint("answers", __name__)

DAEMON_AWAY_AFTER = timedelta(minutes=10)  # no pass for this long: the daemon is not running
MAX_WORDS = 2000  # characters of a note or question; a reply in a mail client has no such bound, a form does
CHOICE_LABELS = {
    "commit": "I commit",
    "decline": "I can't",
    "propose": "Propose another date",
    "question": "I have a question",
}
STATE_WORDS = {
    "accepted": "You have committed.",
    "declined": "You said you can't.",
    "countered": "You proposed other terms; {owner} decides.",
    "question": "You asked a question; {owner} answers.",
    "tentative": "You said maybe.",
    "away": "You are away.",
    "expired": "The time to answer has passed; someone else was asked.",
    "replaced": "Someone else took this on.",
    "withdrawn": "You are no longer asked.",
    "bounced": "Mail to you could not be delivered.",
    "scheduled": "The request has not gone out yet.",
    "requested": "No answer yet.",
}


@pages.get("/a/<token>")
@pages.get("/a/<token>/<choice>")
def ask(token: str, choice: str | None = None) -> Response:
    """The ask and, while the person may answer, the form (``choice`` picked). Changes nothing."""
    if choice is not None and choice not in CHOICES:
        abort(404)
    found = _find(token)
    return _page(found, choice or "commit", {}, [])


@pages.post("/a/<token>")
@limiter.limit(ANSWER_LIMIT)
def answer(token: str) -> Response:
    found = _find(token)
    if found["situation"] != "open":
        return _page(found, "commit", {}, [])
    choice = request.form.get("choice", "")
    words = request.form.get("words", "").strip()
    form = request.form.get("form", "")
    problems, proposed = _check(found, choice, words, request.form.get("proposed", "").strip())
    if not form or len(form) > 64:
        problems.append("The form was incomplete; reload the page and try again.")
    if problems:
        return _page(found, choice if choice in CHOICES else "commit", request.form, problems, status=400)
    resource = found["resource"]
    web_actions.answer(
        store(),
        found["key"],
        form,
        found["plan_id"],
        resource.id,
        resource.email,
        choice,
        words,
        proposed,
        now(),
    )
    return redirect(url_for("answers.ask", token=token), code=303)


def _find(token: str) -> dict[str, Any]:
    """What a link names and where things stand; 404 for a link not made here or not known."""
    key = read_answer_token(secret(), token)
    asked = store().ask_by_token(key) if key else None
    stored = store().load(asked["plan_id"]) if asked else None
    if asked is None or stored is None:
        abort(404)
    resource = next((r for r in stored.plan.resources if r.id == asked["resource_id"]), None)
    commitment = stored.state.commitments.get(asked["resource_id"])
    if resource is None or commitment is None:
        situation = "removed"
    elif stored.state.state in ("closed", "cancelled"):
        situation = stored.state.state
    elif commitment.terms != asked["ask"]:
        situation = "changed"
    else:
        situation = "open" if commitment.state in web_actions.OPEN_TO_ANSWER else "answered"
    last = web_actions.last_for_ask(store(), key) if key else None
    if situation == "open" and last is not None and last.waiting:
        situation = "taking"
    return {
        "daemon_away": situation == "taking" and _daemon_away(),
        "key": key,
        "token": token,
        "plan_id": stored.plan.id,
        "stored": stored,
        "resource": resource,
        "commitment": commitment,
        "situation": situation,
        "last": last,
        "asked_version": asked["plan_version"],
    }


def _daemon_away() -> bool:
    """Whether the daemon has made no pass for a while (stopped, or a week of downtime): an answer
    waits for it, and the page says so rather than promising a minute."""
    import json

    from followthru.memory import LAST_PASS

    text = store().get_sync(LAST_PASS)
    last = datetime.fromisoformat(json.loads(text)["at"]) if text else None
    return last is None or now() - last > DAEMON_AWAY_AFTER


def _check(found: dict[str, Any], choice: str, words: str, proposed_text: str) -> tuple[list[str], date | None]:
    problems: list[str] = []
    proposed = None
    if choice not in CHOICES:
        problems.append("Pick one of the four answers.")
    if len(words) > MAX_WORDS:
        problems.append(f"Please keep it under {MAX_WORDS} characters; for more, reply to the email.")
    if choice == "question" and not words:
        problems.append("Write your question in the box.")
    if choice == "propose":
        try:
            proposed = date.fromisoformat(proposed_text)
        except ValueError:
            problems.append("Give the date you can do it by.")
        else:
            stored: StoredPlan = found["stored"]
            today = now().astimezone(_zone(stored, found["resource"])).date()
            if proposed < today:
                problems.append("That date has passed; give one from today on.")
            elif proposed == own_due_date(stored.plan, stored.state, found["resource"].id):
                problems.append("That is the date already asked for: choose “I commit” instead.")
    return problems, proposed if choice == "propose" else None


def _zone(stored: StoredPlan, resource: Resource | None = None) -> ZoneInfo:
    """The plan's timezone (its times without an offset are in it), or with ``resource`` the
    person's, which their messages show times in."""
    own = resource.timezone if resource is not None else None
    return ZoneInfo(own or stored.plan.plan.timezone or config().schedule.timezone)


def _page(found: dict[str, Any], choice: str, form: Any, problems: list[str], status: int = 200) -> Response:
    stored: StoredPlan = found["stored"]
    resource = found["resource"]
    commitment = found["commitment"]
    plan = stored.plan
    zone = _zone(stored)
    view: dict[str, Any] = {
        "token": found["token"],
        "situation": found["situation"],
        "plan": plan,
        "owner": plan.owner,
        "choice": choice,
        "choices": CHOICE_LABELS,
        "form": form,
        "form_id": secrets.token_urlsafe(16),
        "problems": problems,
        "last": found["last"],
        "labels": CHOICE_LABELS,
        "daemon_away": found["daemon_away"],
    }
    if resource is not None and commitment is not None:
        standing = next((r for r in plan.resources if r.id == commitment.stands_in_for), None)
        source = standing if standing and not resource.asks else resource
        due = own_due_date(plan, stored.state, resource.id)
        respond_by = commitment.deadline or resource.respond_by or plan.plan.respond_by
        theirs = _zone(stored, resource)
        answer_by = _local(respond_by, zone)
        view.update(
            resource=resource,
            asks=source.asks,
            due=due,
            respond_by=answer_by.astimezone(theirs) if isinstance(answer_by, datetime) else answer_by,
            standing=standing,
            state_words=STATE_WORDS.get(commitment.state, commitment.state).format(owner=plan.owner.name),
            steps=[s for s in plan.steps if s.owner in (resource.id, source.id)] or plan.steps,
            others=[
                (r, stored.state.commitments[r.id].state)
                for r in plan.resources
                if r.id != resource.id and r.id in stored.state.commitments
            ],
            today=now().astimezone(theirs).date().isoformat(),
        )
    return render("answer.html", status=status, title=plan.plan.title, **view)


def _local(moment: datetime | date | None, zone: ZoneInfo) -> datetime | date | None:
    if isinstance(moment, datetime):
        return moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)
    return moment
