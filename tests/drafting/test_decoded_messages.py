"""What messages say stays what it was, however they are built.

A varied set of plans is driven through the engine with times (requests, reminders, last calls,
backups, counter-proposals, questions, an absence, meetings answered, moved and cancelled, a new
version, a cancelled plan) and drafted as the daemon drafts them, in English and German, with and
without answer buttons, for an iMIP calendar and for a calendar service; the owner's notices that
are not about one decision (rejected file, digest, lapsed, hand-over, sign-in) are drafted too.
Each message's decoded content (support.drafted.decoded: every header of every part, decoded, each
part's content type and parameters, each payload with its transfer encoding undone; the random
Message-ID and boundaries aside) has the SHA-256 digest pinned below, as drafted before intake was
made fast. After a deliberate change to a template or a header, put the digests the failure prints here.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from followthru.config import Config
from followthru.decisions import Decisions
from followthru.drafting.compose import Built
from followthru.drafting.drafter import Drafter
from followthru.drafting.messages import Composer
from followthru.drafting.render import Renderer
from followthru.engine import Engine
from followthru.plan import Plan
from followthru.planfile import load_plan
from followthru.states import Answer
from support.daemon_pass import START
from support.drafted import BASE, SECRET, config, decoded, example

# A plan written in German, with names, titles and words outside ASCII everywhere a header takes
# them (From, To, Subject, the calendar's CN), long enough to fold, and "=?" in a title.
UMLAUT_PLAN = """\
[plan]
id = "mueller-ausbau"
title = "Müller & Söhne GmbH – Ausbau für 2027: Größere Lizenzen, Schulungen und Übergabe an den Kundendienst"
customer = "Müller & Söhne"
timezone = "Europe/Berlin"
respond_by = 2026-12-02T17:00:00
priorities = ["Vertrag vor der Haushaltssperre am 15. Dezember", "Keine Überraschungen beim Preis =?"]
context = "Frau Jäger (Einkauf) möchte alles schriftlich. Bitte höflich bleiben."

[owner]
name = "Jürgen Weiß"
email = "juergen@example.com"
language = "de"

[[resources]]
id = "anna"
name = "Anna Ährenfeld-Überlänge, Sicherheitsbeauftragte für Rechenzentren in Süddeutschland"
email = "anna@example.com"
role = "Sicherheit"
asks = ["Fragebogen ausfüllen (142 Fragen)", "Am Sicherheitsgespräch teilnehmen"]
due = 2026-12-09
language = "de"
backups = ["bea"]

[[resources]]
id = "otto"
name = "Otto \\"Ottl\\" Öztürk"
email = "otto@example.com"
role = "Recht"
asks = ["Änderungen am Rahmenvertrag prüfen"]
due = 2026-12-10T17:00:00
language = "de"
timezone = "Europe/Vienna"
greeting = "Herr Öztürk"

[[resources]]
id = "zoe"
name = "Zoë Faßbender"
email = "zoe@example.com"
role = "Lösungen"
asks = ["Schulungsplan für 40 Standorte"]
due = 2026-12-08
timezone = "Asia/Kolkata"

[[resources]]
id = "bea"
name = "Beate Groß"
email = "bea@example.com"
role = "Sicherheit"
standby = true
language = "de"

[[steps]]
what = "Fragebogen zurück an Müller & Söhne"
owner = "anna"
due = 2026-12-07

[[contingencies]]
risk = "Rechtsprüfung verzögert sich"
response = "30 Tage Verlängerung anbieten"

[[stakeholders]]
name = "Dörte Vorgesetzte"
email = "doerte@example.com"
why = "Regionalleitung; genehmigt den Rabatt"
language = "de"

[[stakeholders]]
name = "Chris CSM"
email = "chris@example.com"
updates = ["started", "all_committed", "dropped_out"]

[[meetings]]
id = "abstimmung"
title = "Wöchentliche Abstimmung – Müller & Söhne"
start = 2026-12-03T10:00:00
duration = "45m"
repeat = "monthly"
until = 2027-06-30
location = "Raum „Zugspitze“"
description = "Offene Punkte und nächste Schritte."
attendees = ["anna", "otto", "zoe", "extern.gast@example.com"]

[[meetings]]
id = "review"
kind = "review"
title = "Übergabe-Review"
start = 2026-12-16T14:00:00
duration = "1h30m"
attendees = "all"
"""


def story(plan: Plan, answers: dict[str, Answer], counter: str, removed: str, cfg: Config) -> list[tuple[str, Built]]:
    """A plan's life over twelve days: started, answered, the owner's decisions, time passing, a
    meeting answered with a new time and moved, a new version without one person and one meeting,
    and finally cancelled. Each message named by its kind and whom it is about."""
    engine = Engine(Config())
    drafter = Drafter(cfg, Composer(cfg, Renderer(), SECRET))
    made: list[tuple[str, Built]] = []

    def keep(decisions: Decisions, now: datetime, previous: Plan | None = None) -> None:
        for item in drafter.draft(plan, decisions, now, previous):
            made.append((f"{item.kind}/{item.resource_id or '-'}", item.message))

    decisions = engine.start(plan, START)
    keep(decisions, START)
    now = START + timedelta(hours=1)
    for resource_id, answer in answers.items():
        decisions = engine.reply(plan, decisions.state, resource_id, answer, now)
        keep(decisions, now)
    now += timedelta(hours=1)
    decisions = engine.decide(plan, decisions.state, counter, True, now)
    keep(decisions, now)
    meeting = plan.meetings[0]
    attendee = next(r.email for r in plan.resources if r.id == counter)
    for partstat in ("ACCEPTED", "DECLINED"):
        now += timedelta(minutes=10)
        decisions = engine.rsvp(plan, decisions.state, meeting.key, attendee, partstat, now)
        keep(decisions, now)
    now += timedelta(minutes=10)
    proposed = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
    decisions = engine.rsvp(plan, decisions.state, meeting.key, attendee, "COUNTER", now, proposed)
    keep(decisions, now)
    now += timedelta(minutes=10)
    plan, decisions = engine.decide_meeting(plan, decisions.state, meeting.key, True, now)
    keep(decisions, now)
    while now < START + timedelta(days=12):
        now += timedelta(hours=1)
        decisions = engine.tick(plan, decisions.state, now)
        keep(decisions, now)
    previous = plan
    plan = plan.model_copy(
        update={"resources": [r for r in plan.resources if r.id != removed], "meetings": plan.meetings[:1]}
    )
    plan = plan.model_copy(update={"meetings": [m.model_copy(update={"attendees": "all"}) for m in plan.meetings]})
    now += timedelta(hours=1)
    decisions = engine.update(previous, plan, decisions.state, now)
    keep(decisions, now, previous)
    previous = plan
    plan = plan.model_copy(update={"plan": plan.plan.model_copy(update={"status": "cancelled"})})
    now += timedelta(hours=1)
    decisions = engine.update(previous, plan, decisions.state, now)
    keep(decisions, now, previous)
    return made


def notices(cfg: Config, plan: Plan) -> list[tuple[str, Built]]:
    """The owner's messages made outside one plan's decisions."""
    writer = Composer(cfg, Renderer(), SECRET)
    engine = Engine(Config())
    state = engine.start(plan, START).state
    later = START + timedelta(days=4)
    lapsed = engine.tick(plan, state, later, since=START + timedelta(hours=1)).lapsed
    problems = [
        "acme.toml:3: plan.title: a line of at most 200 characters",
        "acme.toml:9: owner.email: 'x@' ist ungültig",
    ]
    made = [
        ("rejected", writer.rejected("rep@example.com", "acme.toml", problems, START)),
        ("digest", writer.digest([(plan, state)], START)),
        ("handed_over/old", writer.handed_over(plan, plan.owner.email, "neu@example.com", plan.owner.email, START)),
        ("handed_over/new", writer.handed_over(plan, plan.owner.email, "neu@example.com", "neu@example.com", START)),
        ("lapsed", writer.lapsed(plan.owner.email, START + timedelta(hours=1), later, [(plan, lapsed)])),
        ("sign_in", writer.sign_in("rep@example.com", f"{BASE}/sign-in/3f9a0c.{'a' * 26}", 20, START)),
    ]
    return made


def umlaut_plan(folder: Path) -> Plan:
    path = folder / "mueller-ausbau.toml"
    path.write_text(UMLAUT_PLAN, encoding="utf-8")
    result = load_plan(path)
    assert result.ok and result.plan is not None, result.problems
    return result.plan


def every_message(folder: Path) -> dict[str, Built]:
    acme, umlaut = example(), umlaut_plan(folder)
    acme_answers = {
        "sam": Answer("decline", "Sorry, I am on leave."),
        "lee": Answer("counter", "Dec 11 works.", proposed_date=date(2026, 12, 11)),
        "sol": Answer("question", "Welche SSO-Lösung nutzt ACME?"),
    }
    umlaut_answers = {
        "anna": Answer("auto_reply", "Ich bin bis 7. Dezember nicht im Büro.", return_date=date(2026, 12, 7)),
        "otto": Answer("counter", "Der 14. passt besser.", proposed_date=date(2026, 12, 14)),
        "zoe": Answer("accept", "Gern!"),
    }
    stories = {
        "acme": story(acme, acme_answers, "lee", "lee", config()),
        "acme-web": story(acme, acme_answers, "lee", "lee", config(BASE)),
        "acme-google": story(acme, acme_answers, "lee", "lee", config(calendar="google")),
        "umlaut": story(umlaut, umlaut_answers, "otto", "zoe", config(language="de")),
        "acme-yes": story(
            acme, {**acme_answers, "sam": Answer("accept"), "sol": Answer("accept")}, "lee", "sol", config()
        ),
        "umlaut-web": story(
            umlaut,
            {**umlaut_answers, "anna": Answer("bounce", reason="550 5.1.1 unbekannt")},
            "otto",
            "zoe",
            config(BASE, language="de"),
        ),
        "notices-en": notices(config(), acme),
        "notices-de": notices(config(language="de"), umlaut),
    }
    messages: dict[str, Built] = {}
    for name, made in stories.items():
        for index, (what, built) in enumerate(made):
            messages[f"{name}/{index:03d}/{what}"] = built
    return messages


def digests(messages: dict[str, Built]) -> dict[str, str]:
    return {name: hashlib.sha256(decoded(built.raw)).hexdigest() for name, built in messages.items()}


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    return every_message(tmp_path_factory.mktemp("plans"))


def test_the_set_is_varied(messages):
    kinds = {name.split("/")[2] for name in messages if name.count("/") == 3}
    assert {"request", "reminder", "last_call", "backup_request", "due_reminder", "counter_approved"} <= kinds
    assert {"stakeholder_update", "all_committed", "meeting", "released", "owner_declined", "owner_counter"} <= kinds
    assert {"owner_question", "owner_away", "owner_meeting_answer", "owner_no_answer", "owner_bounced"} <= kinds
    raws = [built.raw for built in messages.values()]
    assert any(b"text/calendar" in raw and b'method="CANCEL"' in raw for raw in raws)
    assert any(b"=?utf-8?q?" in raw for raw in raws)  # encoded words in headers
    assert any(f"{BASE}/a/".encode() in decoded(raw) for raw in raws)  # answer buttons


def test_decoded_messages_are_what_they_were(messages):
    found = digests(messages)
    if found != PINNED:
        print(json.dumps(found, indent=4))
    assert list(found) == list(PINNED)
    assert found == PINNED


# Drafted with the code as it was before intake was made fast (bench/pipeline.py).
PINNED = {
    "acme/000/request/sam": "401e79d7a21c1a7a2b75f4e3c4b3c871c445eaff0247b477c75569d84eca5c8a",
    "acme/001/request/lee": "e898d5d83705d392e003be50b488ac70e861e1c2c3e7b663412efb2419e1a08b",
    "acme/002/request/sol": "fa96aa7e7aa3686dfb76af7cbb3493942a7a95a6f3f6e6e0c36b8364944ec2f5",
    "acme/003/stakeholder_update/-": "9d8dc8621d7e73e77ec966de8ccbed57df963a3c361d4beb775c8b3bbca6a2cc",
    "acme/004/stakeholder_update/-": "34877cdf6ba44fa03029cf77b6377521125c21a2d6fd74271eecbbf2a317a7d3",
    "acme/005/meeting/-": "8f1771da629ef30e4d0d0dca06355a2a53c36cbe59bc2cee2d510ed8f59118e0",
    "acme/006/meeting/-": "9278f31a7fd8ca377a704d88a7d4d98b70797b5e5def1cff6c1ffabfc9aa950b",
    "acme/007/meeting/-": "cdc7ac4f5f7b485cf1dae6582a38c216fc00477ab22a8fa687741ce99947f730",
    "acme/008/owner_declined/sam": "5a75f79a4bca6f9f6d193e65ff031554eca2b0e2d6d63a791a53913eb7924684",
    "acme/009/backup_request/pat": "dbab7996830141454e750634c9d96389ac1b5234216a892cd751c7863a5b1544",
    "acme/010/stakeholder_update/-": "95f2c99033e7947696d246686863f3571f7ad0f0868dd20b3f1c8f3a7606ba3f",
    "acme/011/meeting/-": "3b3cbf79522eee7f37ef814e7e4d74899a4bb76febd9060c8df5e0385fbbc7fb",
    "acme/012/meeting/-": "091823ccdc4e35a06832065b22cec044b7bc7d85eac04c95696e219b5715f08f",
    "acme/013/meeting/-": "028bec611c92a0cb51a53a868d1ec98e9758edad20d9d164c45027e795b08ef0",
    "acme/014/meeting/-": "b02bc8adb2802e43b34b0d5b58be9a87c70771f50c8820f840ccda0f7ea840da",
    "acme/015/owner_counter/lee": "e36e4d1162e595bc7478d60b2afeccf47e4f46f5d392f4162bd1630a1ec7f25e",
    "acme/016/owner_question/sol": "c7fe4e4a6f388ee6db5e59a58b172916649dee7f1ee9f8373f6577e8219895b8",
    "acme/017/counter_approved/lee": "5e75af61ff1f56eee7dcd03b0a17df9edc0288fa366f2690dd22fa08934b5d79",
    "acme/018/meeting/-": "4a54ab01805ac7b23e81b030f554f5123e205aa29ee611676744973a916daffe",
    "acme/019/meeting/-": "d3cfccb67db4253a0c48bbc68d62e23afc4c50d7d670c6583bdb9438db275dbb",
    "acme/020/owner_meeting_answer/lee": "758d841dfa0bf73d7a9677e3c82bb2acf035d17539d6184c72396c58e8248fac",
    "acme/021/owner_meeting_answer/lee": "861e950ffa5a926cd8f8cdb463380e311c71a5fb146c681d68e1dc64b76c56ce",
    "acme/022/meeting/-": "87e6d64aa3021527c7cf6717d6ff27c55fae34eb131be4baefe36e098bc1dd7f",
    "acme/023/meeting/-": "80fd53326a2b83d3a4062b42a4ebacdec0faee1231f2ec3dfc8592a7b85288a6",
    "acme/024/reminder/pat": "bf306dafc4d817facc6a9788e1aa2d7d0b4b2139e3a7a906862647ec6c530da6",
    "acme/025/last_call/pat": "f6bf8c4ca581efe3add0e6f04defa39a4796e7250df8158b834ec1d6bb80200d",
    "acme/026/owner_no_answer/pat": "c2b011dbc870eb68b79906db3893c0b575db034b383a73b440967b4c53c77f02",
    "acme/027/stakeholder_update/-": "bf3b254f802684e2b812f3bc760d3828b5f93ef6def2dcf5fea1260f1fdbb6b0",
    "acme/028/due_reminder/lee": "545eebd983d1f0ca79bc14b77a46c07c45ec62ac5219c8ccd79ce0220ec29c9a",
    "acme/029/released/lee": "a64717f7efff4600cbc45a853e5b73cd51d79b5822c20ab82b8acb28ad7a0938",
    "acme/030/meeting/-": "7820438ece7d0091c2de2656d9c2aa2aad225de6a357b73150ff6c11f120fe33",
    "acme/031/meeting/-": "d0d3f014aad26dc28e004795caae6ec4e7c134390220e28536b35256dd4cc17d",
    "acme/032/meeting/-": "77553379a0d7caeca39c367a5e3618e753bbf45e3be066e236b3fc367bc31749",
    "acme/033/meeting/-": "8c5fd1465af7c7288b0a9edb4797cfa4f54b60ec39fb870a0eeb2cb48e22a5bd",
    "acme/034/meeting/-": "ddc7e044f4dc0e97e0347065a36703054680d16f779e07b427eb997455bd499a",
    "acme/035/meeting/-": "b38e408e50215f263ef8e3c4cdd31c2b3f53aede0148380cd15581ce43c6db39",
    "acme/036/released/sol": "ffc63e8b35afdeb36baee94b0c6c8620da671da7fabb2c7e385ace2dcb1ff51b",
    "acme/037/released/pat": "514c20698b9fe6ae244ad798be1c39cd6dac092e42bfed234c1c4e6d9f7a8499",
    "acme/038/stakeholder_update/-": "97519fa441c70e3e0dfd3465df16f75083a00fe9c79eb02b1c4426e57ccfe172",
    "acme/039/meeting/-": "3137b6f539cce3e3b0a19ef80f379132602fe1ca9320e12f1f9ac0ff30bd4012",
    "acme/040/meeting/-": "5b38e3ec449f9b5a4400fdd6e421f945f77f0bb7f3cc7df8aaa8a545b217f7e3",
    "acme-web/000/request/sam": "df825e4590d9eeb38bea4ab0a27ab5a4ba06681f013ae3f924b2a86e54baa1b2",
    "acme-web/001/request/lee": "0a7b5ed1235d109f070b275c9779e04906e969b1440231bc1c16c3169e466c34",
    "acme-web/002/request/sol": "341fe3104c7210ce73c6ff34a274379c96584f51eee7e64112ba5ad3a1378eac",
    "acme-web/003/stakeholder_update/-": "9d8dc8621d7e73e77ec966de8ccbed57df963a3c361d4beb775c8b3bbca6a2cc",
    "acme-web/004/stakeholder_update/-": "34877cdf6ba44fa03029cf77b6377521125c21a2d6fd74271eecbbf2a317a7d3",
    "acme-web/005/meeting/-": "8f1771da629ef30e4d0d0dca06355a2a53c36cbe59bc2cee2d510ed8f59118e0",
    "acme-web/006/meeting/-": "9278f31a7fd8ca377a704d88a7d4d98b70797b5e5def1cff6c1ffabfc9aa950b",
    "acme-web/007/meeting/-": "cdc7ac4f5f7b485cf1dae6582a38c216fc00477ab22a8fa687741ce99947f730",
    "acme-web/008/owner_declined/sam": "5a75f79a4bca6f9f6d193e65ff031554eca2b0e2d6d63a791a53913eb7924684",
    "acme-web/009/backup_request/pat": "97080d2d96291d1e678090dc821deea014269a4d4b4ae37143298fc491bf319a",
    "acme-web/010/stakeholder_update/-": "95f2c99033e7947696d246686863f3571f7ad0f0868dd20b3f1c8f3a7606ba3f",
    "acme-web/011/meeting/-": "3b3cbf79522eee7f37ef814e7e4d74899a4bb76febd9060c8df5e0385fbbc7fb",
    "acme-web/012/meeting/-": "091823ccdc4e35a06832065b22cec044b7bc7d85eac04c95696e219b5715f08f",
    "acme-web/013/meeting/-": "028bec611c92a0cb51a53a868d1ec98e9758edad20d9d164c45027e795b08ef0",
    "acme-web/014/meeting/-": "b02bc8adb2802e43b34b0d5b58be9a87c70771f50c8820f840ccda0f7ea840da",
    "acme-web/015/owner_counter/lee": "e36e4d1162e595bc7478d60b2afeccf47e4f46f5d392f4162bd1630a1ec7f25e",
    "acme-web/016/owner_question/sol": "c7fe4e4a6f388ee6db5e59a58b172916649dee7f1ee9f8373f6577e8219895b8",
    "acme-web/017/counter_approved/lee": "5e75af61ff1f56eee7dcd03b0a17df9edc0288fa366f2690dd22fa08934b5d79",
    "acme-web/018/meeting/-": "4a54ab01805ac7b23e81b030f554f5123e205aa29ee611676744973a916daffe",
    "acme-web/019/meeting/-": "d3cfccb67db4253a0c48bbc68d62e23afc4c50d7d670c6583bdb9438db275dbb",
    "acme-web/020/owner_meeting_answer/lee": "758d841dfa0bf73d7a9677e3c82bb2acf035d17539d6184c72396c58e8248fac",
    "acme-web/021/owner_meeting_answer/lee": "861e950ffa5a926cd8f8cdb463380e311c71a5fb146c681d68e1dc64b76c56ce",
    "acme-web/022/meeting/-": "87e6d64aa3021527c7cf6717d6ff27c55fae34eb131be4baefe36e098bc1dd7f",
    "acme-web/023/meeting/-": "80fd53326a2b83d3a4062b42a4ebacdec0faee1231f2ec3dfc8592a7b85288a6",
    "acme-web/024/reminder/pat": "c564a8254575c2d1610712c239a26cc4ee196b22ef2e153b0c157c68d79f6095",
    "acme-web/025/last_call/pat": "286e21bc169b57e10053bba8f2f1abf0b60392291adddadddfcac2b9f45cd1bd",
    "acme-web/026/owner_no_answer/pat": "c2b011dbc870eb68b79906db3893c0b575db034b383a73b440967b4c53c77f02",
    "acme-web/027/stakeholder_update/-": "bf3b254f802684e2b812f3bc760d3828b5f93ef6def2dcf5fea1260f1fdbb6b0",
    "acme-web/028/due_reminder/lee": "545eebd983d1f0ca79bc14b77a46c07c45ec62ac5219c8ccd79ce0220ec29c9a",
    "acme-web/029/released/lee": "a64717f7efff4600cbc45a853e5b73cd51d79b5822c20ab82b8acb28ad7a0938",
    "acme-web/030/meeting/-": "7820438ece7d0091c2de2656d9c2aa2aad225de6a357b73150ff6c11f120fe33",
    "acme-web/031/meeting/-": "d0d3f014aad26dc28e004795caae6ec4e7c134390220e28536b35256dd4cc17d",
    "acme-web/032/meeting/-": "77553379a0d7caeca39c367a5e3618e753bbf45e3be066e236b3fc367bc31749",
    "acme-web/033/meeting/-": "8c5fd1465af7c7288b0a9edb4797cfa4f54b60ec39fb870a0eeb2cb48e22a5bd",
    "acme-web/034/meeting/-": "ddc7e044f4dc0e97e0347065a36703054680d16f779e07b427eb997455bd499a",
    "acme-web/035/meeting/-": "b38e408e50215f263ef8e3c4cdd31c2b3f53aede0148380cd15581ce43c6db39",
    "acme-web/036/released/sol": "ffc63e8b35afdeb36baee94b0c6c8620da671da7fabb2c7e385ace2dcb1ff51b",
    "acme-web/037/released/pat": "514c20698b9fe6ae244ad798be1c39cd6dac092e42bfed234c1c4e6d9f7a8499",
    "acme-web/038/stakeholder_update/-": "97519fa441c70e3e0dfd3465df16f75083a00fe9c79eb02b1c4426e57ccfe172",
    "acme-web/039/meeting/-": "3137b6f539cce3e3b0a19ef80f379132602fe1ca9320e12f1f9ac0ff30bd4012",
    "acme-web/040/meeting/-": "5b38e3ec449f9b5a4400fdd6e421f945f77f0bb7f3cc7df8aaa8a545b217f7e3",
    "acme-google/000/request/sam": "401e79d7a21c1a7a2b75f4e3c4b3c871c445eaff0247b477c75569d84eca5c8a",
    "acme-google/001/request/lee": "e898d5d83705d392e003be50b488ac70e861e1c2c3e7b663412efb2419e1a08b",
    "acme-google/002/request/sol": "fa96aa7e7aa3686dfb76af7cbb3493942a7a95a6f3f6e6e0c36b8364944ec2f5",
    "acme-google/003/stakeholder_update/-": "9d8dc8621d7e73e77ec966de8ccbed57df963a3c361d4beb775c8b3bbca6a2cc",
    "acme-google/004/stakeholder_update/-": "34877cdf6ba44fa03029cf77b6377521125c21a2d6fd74271eecbbf2a317a7d3",
    "acme-google/005/meeting/-": "04a66c52742d21cb6c2e1687274a653414ac18bad58d164c56d0a780ac5f6818",
    "acme-google/006/owner_declined/sam": "5a75f79a4bca6f9f6d193e65ff031554eca2b0e2d6d63a791a53913eb7924684",
    "acme-google/007/backup_request/pat": "dbab7996830141454e750634c9d96389ac1b5234216a892cd751c7863a5b1544",
    "acme-google/008/stakeholder_update/-": "95f2c99033e7947696d246686863f3571f7ad0f0868dd20b3f1c8f3a7606ba3f",
    "acme-google/009/meeting/-": "3b3cbf79522eee7f37ef814e7e4d74899a4bb76febd9060c8df5e0385fbbc7fb",
    "acme-google/010/meeting/-": "a665b66044bce6373a29a85460c77a873d3ca22f7acc4b03e459350199759d7c",
    "acme-google/011/owner_counter/lee": "e36e4d1162e595bc7478d60b2afeccf47e4f46f5d392f4162bd1630a1ec7f25e",
    "acme-google/012/owner_question/sol": "c7fe4e4a6f388ee6db5e59a58b172916649dee7f1ee9f8373f6577e8219895b8",
    "acme-google/013/counter_approved/lee": "5e75af61ff1f56eee7dcd03b0a17df9edc0288fa366f2690dd22fa08934b5d79",
    "acme-google/014/meeting/-": "5365daddedfd66b6460f0f962fb46f78a8e1cdc451e770f9ac43315b73e22ff7",
    "acme-google/015/owner_meeting_answer/lee": "758d841dfa0bf73d7a9677e3c82bb2acf035d17539d6184c72396c58e8248fac",
    "acme-google/016/owner_meeting_answer/lee": "861e950ffa5a926cd8f8cdb463380e311c71a5fb146c681d68e1dc64b76c56ce",
    "acme-google/017/meeting/-": "b1a403a016dfa1da0180b03956a2d8cadbab903817099efbe6989edea2e11366",
    "acme-google/018/reminder/pat": "bf306dafc4d817facc6a9788e1aa2d7d0b4b2139e3a7a906862647ec6c530da6",
    "acme-google/019/last_call/pat": "f6bf8c4ca581efe3add0e6f04defa39a4796e7250df8158b834ec1d6bb80200d",
    "acme-google/020/owner_no_answer/pat": "c2b011dbc870eb68b79906db3893c0b575db034b383a73b440967b4c53c77f02",
    "acme-google/021/stakeholder_update/-": "bf3b254f802684e2b812f3bc760d3828b5f93ef6def2dcf5fea1260f1fdbb6b0",
    "acme-google/022/due_reminder/lee": "545eebd983d1f0ca79bc14b77a46c07c45ec62ac5219c8ccd79ce0220ec29c9a",
    "acme-google/023/released/lee": "a64717f7efff4600cbc45a853e5b73cd51d79b5822c20ab82b8acb28ad7a0938",
    "acme-google/024/meeting/-": "05fea283dc1df9196ecf44bc6f956c584ee86e516faeaf11f6cccb6f669957d8",
    "acme-google/025/meeting/-": "8c5fd1465af7c7288b0a9edb4797cfa4f54b60ec39fb870a0eeb2cb48e22a5bd",
    "acme-google/026/meeting/-": "742ab2aca07c7c1a89a0268eb08dfa9d8b6844b7f1a32ef5f8b73abae04a84e5",
    "acme-google/027/released/sol": "ffc63e8b35afdeb36baee94b0c6c8620da671da7fabb2c7e385ace2dcb1ff51b",
    "acme-google/028/released/pat": "514c20698b9fe6ae244ad798be1c39cd6dac092e42bfed234c1c4e6d9f7a8499",
    "acme-google/029/stakeholder_update/-": "97519fa441c70e3e0dfd3465df16f75083a00fe9c79eb02b1c4426e57ccfe172",
    "acme-google/030/meeting/-": "a1d57d58c7ddb71699246d43bf6b660c38b8f990225e8734f57ebab2a2a2e296",
    "umlaut/000/request/anna": "bf06c6cc05b740a749b2f95a241ee4f0299d277f6f8abc9b6940a9d297def49f",
    "umlaut/001/request/otto": "920ae35f6c6dc9895404a2f77eb2c97186b8cd6ea7eb6ea58ab07e7132fd5ab1",
    "umlaut/002/request/zoe": "912ea4c75c77570df0bb25252faeccf9673134060d5eb1be640b3d87aec9fd14",
    "umlaut/003/stakeholder_update/-": "d908c11007ff6967de215f033f5c570ac9d9b8f0a4966fb25aa4d4ca3a3e74f3",
    "umlaut/004/stakeholder_update/-": "508f4059db90901a4b5f231145e309990d6de9f1496e05cce585bb4c2b18fcbb",
    "umlaut/005/meeting/-": "543a1c6c227b9aac832fe99c3dfc39bcc8420c4589724269af6c46d873abb166",
    "umlaut/006/meeting/-": "e665a6af6e85c4c853be50375e71ff57b272c1d4649fa4c78dedb4814e9f14f9",
    "umlaut/007/meeting/-": "0ccdec6335245f16115a1576772b23479b176a16a37c92514f883a16285bb615",
    "umlaut/008/meeting/-": "67a99b1a438f443578eadf6895ae559fbd75f7453afd70e0c4baddbb6c1a151f",
    "umlaut/009/meeting/-": "061e797c3b91a1733cb5c3036715cc02fdf7c3c48b3436b5eb0c31bc8ca83429",
    "umlaut/010/meeting/-": "addebd90615e3a4a26617c73905621070b9630dd6b451246e4a3c3ad86e71a19",
    "umlaut/011/meeting/-": "b87373b0bb8f4645f02f6a3cf104ca50294fb24e25f793494f70fdceeb1e8621",
    "umlaut/012/owner_away/anna": "9dfc2be9cd00836437026bbfb133c14f3300d799ac5457595121eebfe5c88116",
    "umlaut/013/backup_request/bea": "45ccb9e87c926004d850db7c50f34c8ebb37354e2fdc0918b4da957c7e98ce18",
    "umlaut/014/stakeholder_update/-": "7e9215b0f724a3957284f04d6dd451ecea67e0aae72a89ee29cc3729a3653b6c",
    "umlaut/015/stakeholder_update/-": "441d1999898ecd5e027040d5718b5346f882d85a67c5a97be91a11b0c2203ddf",
    "umlaut/016/meeting/-": "29a2a5aaa1255b485689f77f55ba1de87474e6158d881323f7b7954d36ffb304",
    "umlaut/017/meeting/-": "bc8dc76124a32ae1c782df970af3df001b6c7d2ea5af340de1ad26eb75e37649",
    "umlaut/018/meeting/-": "502deb845f41258709b685f3141f0492034aacc538740c5d1c7bcf13efbb0ab9",
    "umlaut/019/meeting/-": "c2295eb02448569118af5760f0a89389f3047a0c7f3d2fa8a2f05eb5c9957785",
    "umlaut/020/owner_counter/otto": "1dbf295b180692aa915ec271f8a0aa48eb00b9501a98d0495389bc27ff309eb0",
    "umlaut/021/counter_approved/otto": "65ce56eae2043d693aecebadb2fc6de60d0e2ca5ed32af9ed69fb231243d2479",
    "umlaut/022/owner_meeting_answer/otto": "45ad09739e784a554a20000f02fb072bc9a22bd7775e1069694565f2c687ff42",
    "umlaut/023/owner_meeting_answer/otto": "123b19859200fde1c21d07890f9b929f80804fc0183c96137215ab5abba98010",
    "umlaut/024/meeting/-": "797eebf30f48594b18bab16f5368d002201c0a1b9bf2548d7c8caa102958956b",
    "umlaut/025/meeting/-": "02037de0b081c62e1411e2ac7ca1ef5a4f06129a34dbd7428b1319c10d82a736",
    "umlaut/026/meeting/-": "d417d2c1809e331ffbd9913488aff63ab50f50367cc0bebe3b373347da949bfb",
    "umlaut/027/meeting/-": "d3e6738d5f517e8ec204328606d7839ee012b0f23d862b083f09bcb7659f4235",
    "umlaut/028/reminder/bea": "39ed74e2dd7103c824577a246633a1726ca9bf8345a762554f7a5f46bc01aefd",
    "umlaut/029/last_call/bea": "430f2ae7b5c366dacaba165ed09f9ce84a9ea3dc59c6c1a946ed0d6c824b9346",
    "umlaut/030/owner_no_answer/bea": "a18677d688cd3832344f60527c04e8c0ad97cb9a67863c46a870a16359c07edb",
    "umlaut/031/stakeholder_update/-": "ee283c46c526a77d36d8d89570bb93d6d3331337473f34e933a8746e7e2f6409",
    "umlaut/032/due_reminder/zoe": "b74a4f89ce614fae892c230d93ccc0ef6095ea4ae742337f292c9492afc3bb71",
    "umlaut/033/due_reminder/otto": "091f2043701fa088307df34f6186dae8e2e95d488be4dbefd857adcd502b0a0f",
    "umlaut/034/released/zoe": "11a49be32b5715b2accecdb78f7f3c4cf06498ec6dfc046642ac3328e23ebf78",
    "umlaut/035/meeting/-": "3f75f9b047192b86a09336369b93e977a6f7827bebb3aa4cc51e0f2fc84605b2",
    "umlaut/036/meeting/-": "5f9ae873791bd3f909894429c69644b7b4f000f285e56bd20f5a026416bf2082",
    "umlaut/037/meeting/-": "706ef4a41eb6f4970a8911e1a679be1f5c7aba812729e2f03edf953369860d2d",
    "umlaut/038/meeting/-": "b337fffdc44afb5babcfbd6c293383bbf02a337b0b7cdca24768d98ffe116635",
    "umlaut/039/meeting/-": "030e1e2f4477149d54277c7daa4ba04fb7c45bd1eb41e9f23c9bc4bd8a539e54",
    "umlaut/040/meeting/-": "b49227ba9eafab659d0af156bf753cec903445cafa35a95645237a8abcef7105",
    "umlaut/041/meeting/-": "12456ccddb57b5f8bbec9ce13c42e85bd434178455f234b0ad442c994bbe021b",
    "umlaut/042/released/otto": "09bfb9e5e9fb8d8ae61149874366d1ffc999bae745d2ebda93950a9ad9eb917a",
    "umlaut/043/released/bea": "aa307270bb99f2bc7ebd49a782959be232d58ca6dd19c9e361f68c4a9f96c2b1",
    "umlaut/044/stakeholder_update/-": "e832075e16195517087d5282d1a0617dbb7bb28f00e9ef3c1c9c227e350c2bab",
    "umlaut/045/meeting/-": "60902ecdcb6d0bd664a3b2a2ac4cd2344f33cadd341fbe65489709ce9d6490dd",
    "umlaut/046/meeting/-": "8057b9e38dd707687f078c2e4fa06c5ecde4a76f15f575a4d96f615a1888df7d",
    "acme-yes/000/request/sam": "401e79d7a21c1a7a2b75f4e3c4b3c871c445eaff0247b477c75569d84eca5c8a",
    "acme-yes/001/request/lee": "e898d5d83705d392e003be50b488ac70e861e1c2c3e7b663412efb2419e1a08b",
    "acme-yes/002/request/sol": "fa96aa7e7aa3686dfb76af7cbb3493942a7a95a6f3f6e6e0c36b8364944ec2f5",
    "acme-yes/003/stakeholder_update/-": "9d8dc8621d7e73e77ec966de8ccbed57df963a3c361d4beb775c8b3bbca6a2cc",
    "acme-yes/004/stakeholder_update/-": "34877cdf6ba44fa03029cf77b6377521125c21a2d6fd74271eecbbf2a317a7d3",
    "acme-yes/005/meeting/-": "8f1771da629ef30e4d0d0dca06355a2a53c36cbe59bc2cee2d510ed8f59118e0",
    "acme-yes/006/meeting/-": "9278f31a7fd8ca377a704d88a7d4d98b70797b5e5def1cff6c1ffabfc9aa950b",
    "acme-yes/007/meeting/-": "cdc7ac4f5f7b485cf1dae6582a38c216fc00477ab22a8fa687741ce99947f730",
    "acme-yes/008/meeting/-": "52439f7b79dc9728052f532d0167d6acfe605d29d25eaf3d66defa4fdb4d2250",
    "acme-yes/009/owner_counter/lee": "e36e4d1162e595bc7478d60b2afeccf47e4f46f5d392f4162bd1630a1ec7f25e",
    "acme-yes/010/meeting/-": "f4460e1f0e4e69f97c9c9563c2b4fad55116e71e36382559eeb569d875e5cec9",
    "acme-yes/011/meeting/-": "b22b9c6caec8109cabc6fc0c112ff428197bdfea38fb4413ac6ab6ae4bb169a4",
    "acme-yes/012/counter_approved/lee": "5e75af61ff1f56eee7dcd03b0a17df9edc0288fa366f2690dd22fa08934b5d79",
    "acme-yes/013/all_committed/-": "cc54c58721ba7760f723598cd7232efa7b28cf2d8f04980b6c0385bdb160e979",
    "acme-yes/014/all_committed/-": "ee98859dde318143586be0c29eb7242e86d0fe023bb3f7b37bcbab9cedbe28a3",
    "acme-yes/015/all_committed/-": "01c11c96131ebd4ed7aefefb522953f2e440e04c31d4d391c50bae7a05505905",
    "acme-yes/016/all_committed/-": "8b7f98f1d4dd622bfb061e8f58889bf44d9342916170df9e4ae496afaf399d94",
    "acme-yes/017/all_committed/-": "5b0b01a5f2ea0857be9f85e1a5a32c55ea95910f88e9fc76e29c56ee3c095316",
    "acme-yes/018/all_committed/-": "b667ea4d224849312b0c170ba1a61cfa2303fde48d5cfa6a1a4973add4f0fe0a",
    "acme-yes/019/meeting/-": "496c6e5ae2d4d105af2ae83cde9637ba576853be81e8486e89879b7fa40f8ba3",
    "acme-yes/020/meeting/-": "6f9b07394e2d3cf6bf1977d0101657ae1b252a18dc9e94dc7763ea4cb9910516",
    "acme-yes/021/meeting/-": "14eebcde8988970f37d0abe70a6316432d17da3495b4f52b9529d47d0f24b257",
    "acme-yes/022/owner_meeting_answer/lee": "758d841dfa0bf73d7a9677e3c82bb2acf035d17539d6184c72396c58e8248fac",
    "acme-yes/023/owner_meeting_answer/lee": "861e950ffa5a926cd8f8cdb463380e311c71a5fb146c681d68e1dc64b76c56ce",
    "acme-yes/024/meeting/-": "da117fdd95d3fe2dbaaf2be834f252546de2837850867b32e08c352ddf570c62",
    "acme-yes/025/meeting/-": "97ecbd3dcff01d9afe29f97e909dc9b0576abdd74a56261835cc4ee6e7ef505e",
    "acme-yes/026/meeting/-": "f35f9f4265bb4a4d2ee9a6925dc85328dbd9eac27f944b4f2f041caf6df18f4d",
    "acme-yes/027/due_reminder/sol": "d663e411fa3d0270a2052f1e673a944a1314e042a769cd12bf53d2318ebcc2a2",
    "acme-yes/028/due_reminder/sam": "dd37a964474d076b6b102ecfd2d985f1e5bf0e32d6086094613470f1d52a9ae3",
    "acme-yes/029/due_reminder/lee": "545eebd983d1f0ca79bc14b77a46c07c45ec62ac5219c8ccd79ce0220ec29c9a",
    "acme-yes/030/released/sol": "07424a1d7051574e9bb554b9ba1c6844024766c094a677fb1f916fd6aa31a369",
    "acme-yes/031/meeting/-": "e5e5e3aaa78c84d00276c93b6df55b907cd20d8523bf72356bd3230e1e87cfd2",
    "acme-yes/032/meeting/-": "582ac11cd46e9de32372d1f3189687bb0996336b1fb4ac081d68748603288c59",
    "acme-yes/033/meeting/-": "6d25d1764bbc304b798b2f8400714160219228e27d406cbdc2f5352ea2cb14b6",
    "acme-yes/034/meeting/-": "225d903db0f0c315dad821337905fb566a5d4472d963dde21b395c2cfcb4efb0",
    "acme-yes/035/meeting/-": "c4ed0362071041741f780ab68ac004562ed41cfd76a50cb46f40f8ed1a00a673",
    "acme-yes/036/meeting/-": "3b62f356880139df897f23e0773da81ebbdd813281d34ea7c269e914ad3841c6",
    "acme-yes/037/released/sam": "d34ff26b7810ef4bdd40eee720ccab20bb07de37c79ec22fbaab60c2e6ad3133",
    "acme-yes/038/released/lee": "e4d52e0428e46eed99234864b976e0178a6bdf1c432d8a470da290377713b8a7",
    "acme-yes/039/stakeholder_update/-": "26f65ed36b980a0a253da8645302f22a2c4226c42de86483ebbb263f97baef8c",
    "acme-yes/040/meeting/-": "51a85f307e3d6d39b6310721ed3950552f6edb10448768b03483f9d9b6e667bc",
    "acme-yes/041/meeting/-": "0776458f6a8a175b1c24005f4bbe697435b6b9ed76e9e7b24060f256e9262f05",
    "umlaut-web/000/request/anna": "a70bfef77e0594785c783dc2b42a7cddaea4617c9a55c93dca79ebb96935cf7f",
    "umlaut-web/001/request/otto": "f5b82e9bf97cb80180d070dc2e440538a1245c95a3975aa63d0c917a674075ab",
    "umlaut-web/002/request/zoe": "b6f97d7dfb8e2a74c535867d481dabfb506b41e921f4fc54138022fec68814e2",
    "umlaut-web/003/stakeholder_update/-": "d908c11007ff6967de215f033f5c570ac9d9b8f0a4966fb25aa4d4ca3a3e74f3",
    "umlaut-web/004/stakeholder_update/-": "508f4059db90901a4b5f231145e309990d6de9f1496e05cce585bb4c2b18fcbb",
    "umlaut-web/005/meeting/-": "543a1c6c227b9aac832fe99c3dfc39bcc8420c4589724269af6c46d873abb166",
    "umlaut-web/006/meeting/-": "e665a6af6e85c4c853be50375e71ff57b272c1d4649fa4c78dedb4814e9f14f9",
    "umlaut-web/007/meeting/-": "0ccdec6335245f16115a1576772b23479b176a16a37c92514f883a16285bb615",
    "umlaut-web/008/meeting/-": "67a99b1a438f443578eadf6895ae559fbd75f7453afd70e0c4baddbb6c1a151f",
    "umlaut-web/009/meeting/-": "061e797c3b91a1733cb5c3036715cc02fdf7c3c48b3436b5eb0c31bc8ca83429",
    "umlaut-web/010/meeting/-": "addebd90615e3a4a26617c73905621070b9630dd6b451246e4a3c3ad86e71a19",
    "umlaut-web/011/meeting/-": "b87373b0bb8f4645f02f6a3cf104ca50294fb24e25f793494f70fdceeb1e8621",
    "umlaut-web/012/owner_bounced/anna": "55c370c75b3563529a2ddf2a828f47da002b21c030978ca81ae59a4d5a7408ab",
    "umlaut-web/013/backup_request/bea": "cdef9d699cc93512ed20e254c900c96c3e202e93517f756c06d5a021c801636f",
    "umlaut-web/014/stakeholder_update/-": "32748d970024f0b9862751079d7c95a6ef08f0b91703d70fc3fc204d726e4b4b",
    "umlaut-web/015/stakeholder_update/-": "2bdd4144d7a33c0f231039542b20a3d5295a7785a5fdf87714a750dd40b24f35",
    "umlaut-web/016/meeting/-": "29a2a5aaa1255b485689f77f55ba1de87474e6158d881323f7b7954d36ffb304",
    "umlaut-web/017/meeting/-": "bc8dc76124a32ae1c782df970af3df001b6c7d2ea5af340de1ad26eb75e37649",
    "umlaut-web/018/meeting/-": "502deb845f41258709b685f3141f0492034aacc538740c5d1c7bcf13efbb0ab9",
    "umlaut-web/019/meeting/-": "c2295eb02448569118af5760f0a89389f3047a0c7f3d2fa8a2f05eb5c9957785",
    "umlaut-web/020/owner_counter/otto": "1dbf295b180692aa915ec271f8a0aa48eb00b9501a98d0495389bc27ff309eb0",
    "umlaut-web/021/counter_approved/otto": "65ce56eae2043d693aecebadb2fc6de60d0e2ca5ed32af9ed69fb231243d2479",
    "umlaut-web/022/owner_meeting_answer/otto": "45ad09739e784a554a20000f02fb072bc9a22bd7775e1069694565f2c687ff42",
    "umlaut-web/023/owner_meeting_answer/otto": "123b19859200fde1c21d07890f9b929f80804fc0183c96137215ab5abba98010",
    "umlaut-web/024/meeting/-": "797eebf30f48594b18bab16f5368d002201c0a1b9bf2548d7c8caa102958956b",
    "umlaut-web/025/meeting/-": "02037de0b081c62e1411e2ac7ca1ef5a4f06129a34dbd7428b1319c10d82a736",
    "umlaut-web/026/meeting/-": "d417d2c1809e331ffbd9913488aff63ab50f50367cc0bebe3b373347da949bfb",
    "umlaut-web/027/meeting/-": "d3e6738d5f517e8ec204328606d7839ee012b0f23d862b083f09bcb7659f4235",
    "umlaut-web/028/reminder/bea": "bebf8c4e0e342a7c8bb3828660a5abf9a183b0718fed38593db9e32dd78d5077",
    "umlaut-web/029/last_call/bea": "5ebbbb92150addaf8583559108c15e2e6bb9b6159d58d2600008d399a6d8ace5",
    "umlaut-web/030/owner_no_answer/bea": "a18677d688cd3832344f60527c04e8c0ad97cb9a67863c46a870a16359c07edb",
    "umlaut-web/031/stakeholder_update/-": "ee283c46c526a77d36d8d89570bb93d6d3331337473f34e933a8746e7e2f6409",
    "umlaut-web/032/due_reminder/zoe": "b74a4f89ce614fae892c230d93ccc0ef6095ea4ae742337f292c9492afc3bb71",
    "umlaut-web/033/due_reminder/otto": "091f2043701fa088307df34f6186dae8e2e95d488be4dbefd857adcd502b0a0f",
    "umlaut-web/034/released/zoe": "11a49be32b5715b2accecdb78f7f3c4cf06498ec6dfc046642ac3328e23ebf78",
    "umlaut-web/035/meeting/-": "3f75f9b047192b86a09336369b93e977a6f7827bebb3aa4cc51e0f2fc84605b2",
    "umlaut-web/036/meeting/-": "5f9ae873791bd3f909894429c69644b7b4f000f285e56bd20f5a026416bf2082",
    "umlaut-web/037/meeting/-": "706ef4a41eb6f4970a8911e1a679be1f5c7aba812729e2f03edf953369860d2d",
    "umlaut-web/038/meeting/-": "b337fffdc44afb5babcfbd6c293383bbf02a337b0b7cdca24768d98ffe116635",
    "umlaut-web/039/meeting/-": "030e1e2f4477149d54277c7daa4ba04fb7c45bd1eb41e9f23c9bc4bd8a539e54",
    "umlaut-web/040/meeting/-": "b49227ba9eafab659d0af156bf753cec903445cafa35a95645237a8abcef7105",
    "umlaut-web/041/meeting/-": "12456ccddb57b5f8bbec9ce13c42e85bd434178455f234b0ad442c994bbe021b",
    "umlaut-web/042/released/otto": "09bfb9e5e9fb8d8ae61149874366d1ffc999bae745d2ebda93950a9ad9eb917a",
    "umlaut-web/043/released/bea": "aa307270bb99f2bc7ebd49a782959be232d58ca6dd19c9e361f68c4a9f96c2b1",
    "umlaut-web/044/stakeholder_update/-": "e832075e16195517087d5282d1a0617dbb7bb28f00e9ef3c1c9c227e350c2bab",
    "umlaut-web/045/meeting/-": "60902ecdcb6d0bd664a3b2a2ac4cd2344f33cadd341fbe65489709ce9d6490dd",
    "umlaut-web/046/meeting/-": "8057b9e38dd707687f078c2e4fa06c5ecde4a76f15f575a4d96f615a1888df7d",
    "notices-en/000/rejected": "322b2416721b0947dfbf35e5a7b87eeda8965f43761950a3bf3b5692edcab2f7",
    "notices-en/001/digest": "1e343917fea798668cf585a54996beee0152b27520f85daf425529dd6bb79463",
    "notices-en/002/handed_over/old": "0c1784b6de42d35f678606285200056b2322999526033e18625687ff30515e1a",
    "notices-en/003/handed_over/new": "22912aebd6cb6b64aa609e0f7887d4fb1cbe8a01f56d39a5978e9da404589550",
    "notices-en/004/lapsed": "f4992f772c382b67156f5324cc8b1d330523d6d8fa317610a14eb05382c89fa8",
    "notices-en/005/sign_in": "d39714678e75a48996a87aa99ead70edab4b33af3694c1998c1378d90ea56a32",
    "notices-de/000/rejected": "7727bb40dd7109fd9b84ac698980bf5b734f765486a42a67cd06663f0606ca38",
    "notices-de/001/digest": "a83225ac606c8309a7852c6cd68859445acb27aef424fd3776d6de6e2748e61a",
    "notices-de/002/handed_over/old": "aca2debb600bcb59fee639e7779afc342d5ad34e871036e186b9fef0decf0050",
    "notices-de/003/handed_over/new": "5f0b086a648a5d7863ec2218dc2f4309159f342a4c632bc688455ab23bb85666",
    "notices-de/004/lapsed": "172917a5b726ed78b90631d14de8e01c2b6c2b1c52c21dcb2223ae00d445244c",
    "notices-de/005/sign_in": "c184c0c9d91cfed9acd542a833a555a2ba5bf37f90441a4c1dedf2ba9ece0d13",
}
