"""The rep's board: signing in by a mailed link, the plans, one plan with its decisions, uploading a
plan file and downloading the active one.

An owner signs in by asking for a link at ``/sign-in``: the page answers the same whatever the
address, so nobody learns who has plans here; a link is queued (followthru.web_actions) only for an
owner or an admin, at most three in ``web.sign_in_minutes``. Opening the link shows a button (a mail
scanner that opens every link must not use it up); the button signs the browser in, once. Behind a
proxy that names the user (``web.user_header``) nobody needs to sign in.

An owner sees their own plans, an admin every plan; another owner's plan is a 404, the same page as
a plan that does not exist. The plan list is read with a few set-based queries whatever the number of
plans; one plan's page reads that plan. A decision is queued for the daemon like an answer: one form
sent twice is one decision. An upload is checked as ``followthru plan check`` and the daemon check it,
then put into ``plans/incoming`` under a dot-name and renamed, so the daemon never reads half a file.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import secrets
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, request, session, url_for
from werkzeug.wrappers import Response

from followthru import web_actions
from followthru.engine_meetings import meeting_end, occurrences, pending_proposals
from followthru.matching import own_due_date
from followthru.states import ENDED, OPEN
from followthru.status import plans as status_plans
from followthru.store import StoredPlan, unstamp
from followthru.web.app import (
    ANSWER_LIMIT,
    SIGN_IN_LIMIT,
    config,
    is_admin,
    limiter,
    now,
    render,
    secret,
    sign_in_session,
    store,
    user,
)
from followthru.web.timeline import Lane, Mark, timeline
from followthru.weblinks import CHOICE_INTENTS, read_sign_in_token, sign_in_link

pages = Blueprint("board", __name__)

LINKS_PER_WINDOW = 3  # sign-in links one address may ask for in web.sign_in_minutes
PLAN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
AUDIT_SHOWN = 300  # newest audit lines on a plan's page; `followthru log` has them all
STEP_WORDS = {
    "request": "request goes out",
    "reminder": "reminder",
    "last_call": "last call",
    "deadline": "answer due",
    "back": "back from absence",
    "due_reminder": "reminder before the due date",
    "due": "work due",
    "owner": "waits on you",
}
INTENT_WORDS = {
    "accept": ("committed", "good"),
    "decline": ("declined", "bad"),
    "bounce": ("mail bounced", "bad"),
    "counter": ("proposed other terms", "warn"),
    "question": ("asked a question", "warn"),
    "tentative": ("said maybe", "warn"),
    "auto_reply": ("automatic reply", "warn"),
    "unclear": ("unclear answer", "warn"),
}
KIND_WORDS = {
    "request": "request",
    "backup_request": "request (as backup)",
    "reminder": "reminder",
    "last_call": "last call",
    "due_reminder": "reminder before the due date",
}
RSVP_WORDS = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "maybe", "NEEDS-ACTION": "no answer yet"}
# Commitments in the order a plan's page lists them: what waits on the owner, then who is waited on,
# who committed, who dropped out.
GROUPS = {"countered": 0, "question": 0, **{s: 1 for s in OPEN}, "accepted": 2}

# The plan list: the plans, with what the list shows of each document (SQLite's and PostgreSQL's
# JSON functions have other names), the counts of commitments, and each plan's next step.
SUMMARY = {
    "sqlite": """
        SELECT id, title, state, attention, owner_email, json_extract(document, '$.plan.customer'),
            json_extract(document, '$.plan.timezone'),
            (SELECT json_group_object(json_extract(value, '$.id'), json_extract(value, '$.name'))
             FROM json_each(document, '$.resources'))
        FROM plans {where}""",
    "postgresql": """
        SELECT id, title, state, attention, owner_email, document::json->'plan'->>'customer',
            document::json->'plan'->>'timezone',
            (SELECT COALESCE(json_object_agg(value->>'id', value->>'name'), '{{}}')::text
             FROM json_array_elements(document::json->'resources'))
        FROM plans {where}""",
}
COUNTS = """
    SELECT plan_id, SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END),
        SUM(CASE WHEN state NOT IN ('replaced', 'withdrawn') THEN 1 ELSE 0 END)
    FROM commitments {where} GROUP BY plan_id"""
NEXT = """
    SELECT c.plan_id, c.resource_id, c.next_step, c.next_at FROM commitments c
    JOIN (SELECT plan_id, MIN(next_at) AS at FROM commitments WHERE next_at IS NOT NULL {also} GROUP BY plan_id) m
        ON m.plan_id = c.plan_id AND m.at = c.next_at
    ORDER BY c.plan_id, c.resource_id"""
OWNED = "plan_id IN (SELECT id FROM plans WHERE owner_email = ?)"


# -- signing in -----------------------------------------------------------------------------------
@pages.get("/")
def home() -> Response:
    return redirect(url_for("board.plans" if user() else "board.sign_in"))


@pages.get("/sign-in")
def sign_in() -> Response:
    if user():
        return redirect(url_for("board.plans"))
    return render("sign_in.html", title="Sign in", ready=bool(config().web.base_url), problems=[])


@pages.post("/sign-in")
@limiter.limit(SIGN_IN_LIMIT)
def ask_sign_in() -> Response:
    web = config().web
    if not web.base_url:
        return render("sign_in.html", title="Sign in", ready=False, problems=[])
    address = request.form.get("email", "").strip().lower()
    if "@" not in address or len(address) > 254 or any(c.isspace() for c in address):
        problems = ["Give the email address your plans name you with."]
        return render("sign_in.html", status=400, title="Sign in", ready=True, problems=problems, email=address)
    moment = now()
    known = (
        is_admin(address)
        or store().connection.execute("SELECT 1 FROM plans WHERE owner_email = ? LIMIT 1", (address,)).fetchone()
        is not None
    )
    window = moment - timedelta(minutes=web.sign_in_minutes)
    if known and web_actions.sign_ins_since(store(), address, window) < LINKS_PER_WINDOW:
        web_actions.new_sign_in(store(), address, moment, lambda nonce: sign_in_link(web.base_url, secret(), nonce))
    # The same page whether or not a link went: it must not tell which addresses have plans.
    return render(
        "notice.html",
        title="Check your email",
        lines=[
            f"If {address} has plans here, a link is on its way; it works once, for {web.sign_in_minutes} minutes.",
            "Nothing within a few minutes? Look in your spam folder, or ask again.",
        ],
        links=[(url_for("board.sign_in"), "Ask for another link")],
    )


@pages.get("/sign-in/<token>")
def sign_in_link_page(token: str) -> Response:
    """The page a mailed link opens: a button, so that opening the link uses nothing up."""
    nonce = read_sign_in_token(secret(), token) or abort(404)
    row = store().connection.execute("SELECT asked_at, used_at FROM web_sign_ins WHERE nonce = ?", (nonce,)).fetchone()
    asked = unstamp(row[0]) if row is not None and row[1] is None else None
    if asked is None or asked < now() - timedelta(minutes=config().web.sign_in_minutes):
        return _link_spent()
    return render("sign_in_link.html", title="Sign in", token=token)


@pages.post("/sign-in/<token>")
@limiter.limit(SIGN_IN_LIMIT)
def use_sign_in_link(token: str) -> Response:
    nonce = read_sign_in_token(secret(), token) or abort(404)
    address = web_actions.use_sign_in(store(), nonce, now(), timedelta(minutes=config().web.sign_in_minutes))
    if address is None:
        return _link_spent()
    sign_in_session(address)
    return redirect(url_for("board.plans"), code=303)


def _link_spent() -> Response:
    return render(
        "notice.html",
        status=410,
        title="This link has been used or has expired",
        lines=[f"A sign-in link works once, for {config().web.sign_in_minutes} minutes. Ask for a new one."],
        links=[(url_for("board.sign_in"), "Ask for a new link")],
    )


@pages.post("/sign-out")
def sign_out() -> Response:
    session.clear()
    return redirect(url_for("board.sign_in"), code=303)


def signed_in() -> str:
    """The signed-in user's address; anyone else is sent to the sign-in page."""
    who = user()
    if who is None:
        abort(redirect(url_for("board.sign_in")))
    return who


def own_plan(plan_id: str, who: str) -> StoredPlan:
    """The plan when ``who`` owns it or is an admin; else 404, as for a plan that does not exist."""
    row = None
    if PLAN_ID.fullmatch(plan_id):
        row = store().connection.execute("SELECT owner_email FROM plans WHERE id = ?", (plan_id,)).fetchone()
    if row is None or (row[0].lower() != who and not is_admin(who)):
        abort(404)
    stored = store().load(plan_id)
    if stored is None:
        abort(404)
    return stored


# -- the plans ------------------------------------------------------------------------------------
@pages.get("/plans")
def plans() -> Response:
    who = signed_in()
    admin = is_admin(who)
    connection = store().connection
    dialect = getattr(store(), "dialect", "sqlite")
    args: tuple[str, ...] = () if admin else (who,)
    where = "" if admin else "WHERE owner_email = ?"
    rows = connection.execute(SUMMARY[dialect].format(where=where), args).fetchall()
    counts = {
        r[0]: (int(r[1] or 0), int(r[2] or 0))
        for r in connection.execute(COUNTS.format(where="" if admin else "WHERE " + OWNED), args)
    }
    upcoming: dict[str, tuple[str, str, str]] = {}
    for plan_id, resource_id, step, at in connection.execute(NEXT.format(also="" if admin else "AND " + OWNED), args):
        upcoming.setdefault(plan_id, (resource_id, step, at))
    moment = now()
    default_zone = config().schedule.timezone
    listed = []
    for plan_id, title, state, attention, owner, customer, zone_name, names_text in rows:
        names = json.loads(names_text or "{}")
        zone = _zone(zone_name or default_zone)
        waiting = [_attention_line(line, names) for line in json.loads(attention)]
        next_text, next_at = "", None
        if plan_id in upcoming and state in ("active", "committed"):
            resource_id, step, at = upcoming[plan_id]
            next_at = unstamp(at)
            next_text = f"{STEP_WORDS.get(step, step)} · {names.get(resource_id, resource_id)}"
        committed, asked = counts.get(plan_id, (0, 0))
        rank = 0 if waiting and state in ("active", "committed") else {"active": 1, "committed": 2}.get(state, 3)
        listed.append(
            {
                "id": plan_id,
                "title": title,
                "customer": customer or "",
                "state": state,
                "owner": owner,
                "waiting": waiting,
                "committed": committed,
                "asked": asked,
                "next": next_text,
                "when": _when(next_at, zone, moment) if next_at else "",
                "in": _relative(next_at, moment) if next_at else "",
                "rank": rank,
                "at": next_at,
            }
        )
    listed.sort(key=lambda p: (p["rank"], p["at"] or datetime.max.replace(tzinfo=moment.tzinfo), p["id"]))
    base = url_for("board.plans")  # + "/" + id: plan ids need no quoting, and url_for per row is a fifth of the page
    shown, hidden, search = _filtered(listed, admin)
    return render(
        "plans.html", title="Plans", plans=shown, hidden=hidden, search=search, admin=admin, who=who, base=base
    )


def _filtered(listed: list[dict[str, Any]], admin: bool) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """The plans the list's search keeps (``q``: words in the title, customer or id; ``owner`` for an
    admin), without the closed and cancelled ones unless ``ended=1``; and how many ended ones were left
    out."""
    search = {
        "q": request.args.get("q", "").strip()[:100],
        "owner": request.args.get("owner", "").strip().lower()[:254] if admin else "",
        "ended": "1" if request.args.get("ended") == "1" else "",
    }
    words = search["q"].lower().split()
    kept = [
        p
        for p in listed
        if all(word in f"{p['title']} {p['customer']} {p['id']}".lower() for word in words)
        and (not search["owner"] or p["owner"].lower() == search["owner"])
    ]
    ended = [p for p in kept if p["state"] in ("closed", "cancelled")]
    return (kept if search["ended"] else [p for p in kept if p not in ended]), len(ended), search


def _attention_line(line: str, names: dict[str, str]) -> str:
    """An attention line (``ID: what``) with the person's name for their id."""
    about, colon, what = line.partition(": ")
    return f"{names[about]}: {what}" if colon and about in names else line


# -- one plan -------------------------------------------------------------------------------------
@pages.get("/plans/<plan_id>")
def plan(plan_id: str) -> Response:
    who = signed_in()
    return _plan_page(own_plan(plan_id, who), who)


def _plan_page(stored: StoredPlan, who: str) -> Response:
    plan_, state, moment = stored.plan, stored.state, now()
    zone = _zone(plan_.plan.timezone or config().schedule.timezone)
    entry = status_plans(store().connection, _domain(), plan_.id, moment)[0]
    names = {r.id: r for r in plan_.resources}
    order = list(names)
    waiting = {a.resource_id: a for a in web_actions.waiting_decisions(store(), plan_.id)}
    people = sorted(
        entry["commitments"],
        key=lambda c: (GROUPS.get(c["state"], 3), order.index(c["resource"]) if c["resource"] in names else len(order)),
    )
    for c in people:  # what the page shows of each person, beside what status --json gives
        c["person"] = names.get(c["resource"])
        c["backups"] = [
            getattr(names.get(b["resource"]), "name", "") for b in people if b["stands_in_for"] == c["resource"]
        ]
        c["due"] = own_due_date(plan_, state, c["resource"]) if c["state"] not in ENDED else None
        c["step"] = STEP_WORDS.get(c["next"]["step"], c["next"]["step"]) if c["next"] else ""
    asks = [  # counter-proposals and questions: what the person said, and the owner's decision if sent
        {
            **c,
            "words": _their_words(
                plan_.id, c["resource"], f"owner_{'counter' if c['state'] == 'countered' else 'question'}"
            ),
            "waiting": waiting.get(c["resource"]),
            "mailto": f"mailto:{quote(c['email'], safe='@')}?subject={quote('Re: ' + plan_.plan.title)}",
        }
        for c in people
        if c["person"] is not None and c["state"] in ("countered", "question")
    ]
    proposals = [(m, pending_proposals(state, m.key), waiting.get(m.key)) for m in plan_.meetings]
    about = {c["resource"] for c in asks}
    log = store().log(plan_.id)[::-1]
    return render(
        "plan.html",
        title=plan_.plan.title,
        plan=plan_,
        stored=stored,
        admin=is_admin(who),
        names=names,
        people=people,
        asks=asks,
        proposals=[p for p in proposals if p[1]],
        others=[
            _attention_line(a, {r.id: r.name for r in plan_.resources})
            for a in state.attention
            if not a.startswith("meeting ") and a.partition(": ")[0] not in about
        ],
        invited={m["key"]: m for m in entry["meetings"]},
        rsvp_words=RSVP_WORDS,
        queued=entry["queued"],
        audit=log[:AUDIT_SHOWN],
        older=max(0, len(log) - AUDIT_SHOWN),
        picture=_timeline(stored, zone, moment),
        form_id=secrets.token_urlsafe(16),
        zone=zone.key,
        when=lambda at: _when(_aware(_at(at) if isinstance(at, str) else at, zone), zone, moment) if at else "",
        since=lambda at: _relative(_at(at) if isinstance(at, str) else at, moment) if at else "",
        day=_day,
        length=_duration,
    )


def _their_words(plan_id: str, resource_id: str, kind: str) -> str:
    """The person's own words, as the owner's notice of their counter-proposal or question quotes
    them (the store keeps the notice, not the reply)."""
    row = (
        store()
        .connection.execute(
            "SELECT raw FROM outbox WHERE plan_id = ? AND kind = ? AND resource_id = ? ORDER BY id DESC LIMIT 1",
            (plan_id, kind, resource_id),
        )
        .fetchone()
    )
    if row is None:
        return ""
    message = email.message_from_bytes(bytes(row[0]), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    quoted: list[str] = []
    for line in text.splitlines():
        if line.startswith(">"):
            quoted.append(line[2:] if line.startswith("> ") else line[1:])
        elif quoted:
            break
    return "\n".join(quoted).strip()


def _timeline(stored: StoredPlan, zone: ZoneInfo, moment: datetime) -> Any:
    """The plan's timeline picture: what was sent to each person and when they answered, their
    deadlines and due dates, their next step, and the meetings."""
    plan_, state = stored.plan, stored.state
    connection = store().connection
    marks: dict[str, list[Mark]] = {rid: [] for rid in state.commitments}
    for resource_id, kind, sent_at in connection.execute(
        "SELECT resource_id, kind, sent_at FROM outbox WHERE plan_id = ? AND status = 'sent' AND kind IN "
        "('request', 'backup_request', 'reminder', 'last_call', 'due_reminder') AND sent_at IS NOT NULL",
        (plan_.id,),
    ):
        if resource_id in marks:
            shape = "request" if kind in ("request", "backup_request") else "reminder"
            marks[resource_id].append(Mark(_at(sent_at), shape, f"{KIND_WORDS[kind]} sent"))
    answers = [
        (resource_id, intent, at, "")
        for at, resource_id, intent in connection.execute(
            "SELECT received_at, resource_id, intent FROM inbound WHERE plan_id = ? AND resource_id IS NOT NULL",
            (plan_.id,),
        )
    ] + [
        (resource_id, CHOICE_INTENTS.get(json.loads(payload).get("choice"), "unclear"), at, " on the web")
        for resource_id, payload, at in connection.execute(
            "SELECT resource_id, payload, received_at FROM web_actions "
            "WHERE plan_id = ? AND kind = 'answer' AND outcome = 'applied'",
            (plan_.id,),
        )
    ]
    for resource_id, intent, at, where in answers:
        if resource_id in marks and intent:
            words, tone = INTENT_WORDS.get(intent, (intent, "warn"))
            marks[resource_id].append(Mark(_at(at), "answer", words + where, tone))
    lanes = []
    order = [r.id for r in plan_.resources]
    for resource_id in sorted(marks, key=lambda r: order.index(r) if r in order else len(order)):
        commitment = state.commitments[resource_id]
        resource = next((r for r in plan_.resources if r.id == resource_id), None)
        own = marks[resource_id]
        if commitment.state not in ENDED:
            due = own_due_date(plan_, state, resource_id)
            if due is not None:
                own.append(Mark(datetime.combine(due, time(23, 59), zone), "due", "work due"))
            if resource is not None and commitment.state in OPEN:
                deadline = commitment.deadline or _aware(plan_.respond_by(resource), zone)
                own.append(Mark(deadline, "deadline", "answer due"))
        if commitment.next_at and commitment.next_step not in ("deadline", "due"):
            own.append(Mark(commitment.next_at, "next", f"next: {STEP_WORDS.get(commitment.next_step or '', '')}"))
        role = f"{resource.role}, {commitment.state}" if resource and resource.role else commitment.state
        lanes.append(Lane(resource.name if resource else resource_id, tuple(own), role))
    moments = [m.at for lane in lanes for m in lane.marks] + [moment]
    first, last = min(moments), max(moments)
    meetings = []
    for meeting in plan_.meetings:
        if state.meetings.get(meeting.key) and state.meetings[meeting.key].cancelled:
            continue
        start = _aware(meeting.start, zone)
        bounded = not meeting.repeat or meeting.count or meeting.until  # else it repeats for ever
        until = max(last, meeting_end(meeting, zone) if bounded else start)
        found, _ = occurrences(meeting, zone, min(first, start) - timedelta(seconds=1), until, 30)
        meetings += [Mark(at, "meeting", meeting.title) for at in found]
    return timeline(lanes, meetings, moment, zone, f"Timeline of {plan_.plan.title}")


# -- deciding -------------------------------------------------------------------------------------
@pages.post("/plans/<plan_id>/decide")
@limiter.limit(ANSWER_LIMIT)
def decide(plan_id: str) -> Response:
    who = signed_in()
    stored = own_plan(plan_id, who)
    about = request.form.get("about", "")
    decision = request.form.get("decision", "")
    form = request.form.get("form", "")
    if decision not in ("approve", "reject") or not 8 <= len(form) <= 64:
        abort(400)
    back = [(url_for("board.plan", plan_id=plan_id), "Back to the plan")]
    open_now = {rid for rid, c in stored.state.commitments.items() if c.state == "countered"}
    open_now |= {m.key for m in stored.plan.meetings if pending_proposals(stored.state, m.key)}
    waiting = next((a for a in web_actions.waiting_decisions(store(), plan_id) if a.resource_id == about), None)
    if waiting is None and about not in open_now:
        lines = ["Nothing waits on that decision any more: it was decided already, or the plan changed."]
        return render("notice.html", status=409, title="Nothing to decide", lines=lines, links=back)
    if waiting is None:
        web_actions.decide(store(), form, plan_id, about, who, decision == "approve", now())
        verb = decision
    else:  # the same form sent again, or a second decision while the first waits: one decision
        verb = "approve" if waiting.payload.get("approve") else "reject"
    return render(
        "notice.html",
        title="Decision sent",
        lines=[f"Decision sent ({verb}); it is applied within a minute."],
        links=back,
    )


# -- small things ---------------------------------------------------------------------------------
def _at(text: str) -> datetime:
    """A time the store holds (never empty where it is read here)."""
    return datetime.fromisoformat(text)


def _domain() -> str:
    return config().sender.email.rpartition("@")[2]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _when(moment: datetime | None, zone: ZoneInfo, today: datetime) -> str:
    """``Tue 01 Dec, 10:00 EST`` (with the year when it is not this one's)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    year = "" if local.year == today.astimezone(zone).year else f" {local.year}"
    return f"{local:%a %d %b}{year}, {local:%H:%M} {local.tzname() or ''}".strip()


def _day(moment: date | datetime | str | None) -> str:
    """``Wed 09 Dec 2026`` (with the time of a due moment); a stored date is ISO text."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = date.fromisoformat(moment)
    if isinstance(moment, datetime):
        return f"{moment:%a %d %b %Y, %H:%M}"
    return f"{moment:%a %d %b %Y}"


def _relative(moment: datetime, today: datetime) -> str:
    seconds = (moment - today).total_seconds()
    size = abs(seconds)
    if size < 90:
        return "now"
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length * (1.5 if unit != "minute" else 1):
            count = round(size / length)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return "now"


def _duration(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)
