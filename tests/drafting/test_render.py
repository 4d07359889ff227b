"""Templates: every kind renders in text and HTML, languages fall back, overrides win, the sandbox holds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from jinja2.exceptions import SecurityError, TemplateNotFound

from followthru.config import Config, Sender
from followthru.drafting.messages import Composer
from followthru.drafting.render import KINDS, Renderer
from followthru.drafting.views import Person, PlanViews
from support.rendering import SHIPPED, contexts


def test_the_contract_lists_every_kind():
    readme = (SHIPPED / "README.md").read_text()
    for kind in KINDS:
        assert f"`{kind}`" in readme
        for part in ("subject", "txt", "html"):
            assert (SHIPPED / f"{kind}.{part}").is_file(), f"{kind}.{part}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_subject_text_and_html(views, kind):
    rendered = Renderer().render(kind, contexts(views)[kind])
    assert rendered.subject and "\n" not in rendered.subject
    assert len(rendered.text.strip().splitlines()) >= 3
    assert "\n\n\n" not in rendered.text
    assert rendered.html.lstrip().lower().startswith("<!doctype html")
    assert "Undefined" not in rendered.text + rendered.html
    if kind not in ("owner_rejected", "digest", "owner_sign_in"):
        assert "ACME Corp - Q4 expansion" in rendered.subject + rendered.text


@pytest.mark.parametrize("kind", ["request", "reminder", "last_call", "backup_request", "due_reminder"])
def test_resource_messages_say_what_by_when(views, kind):
    rendered = Renderer().render(kind, contexts(views)[kind])
    for part in (rendered.text, rendered.html):
        assert "Complete ACME&#39;s security questionnaire" in part or "Complete ACME's security questionnaire" in part
        assert "Wed 9 Dec 2026" in part
    if kind == "request":
        for expected in (
            "Close the 500-seat expansion",
            "Offer a 30-day paper extension",
            "Reuse the Globex answers",
            "ACCEPT",
            "DECLINE",
        ):
            assert expected in rendered.text


def test_owner_notices_carry_the_facts(views):
    every = contexts(views)
    counter = Renderer().render("owner_counter", every["owner_counter"])
    assert "Fri 11 Dec 2026" in counter.text and "followthru decide acme-q4 sam approve" in counter.text
    assert "APPROVE" in counter.text and "REJECT" in counter.text
    declined = Renderer().render("owner_declined", every["owner_declined"])
    assert "I can't make Dec 9, sorry." in declined.text and "Pat Backup" in declined.text
    rejected = Renderer().render("owner_rejected", every["owner_rejected"])
    assert "acme.toml:14: resources[0].email: not valid" in rejected.text
    bounced = Renderer().render("owner_bounced", every["owner_bounced"])
    assert "550 5.1.1 user unknown" in bounced.text
    undelivered = Renderer().render("owner_undelivered", every["owner_undelivered"])
    assert "casey.csm@example.com" in undelivered.subject and "550 5.1.1 No such user here" in undelivered.text


@pytest.mark.parametrize(
    "kind", ["request", "reminder", "last_call", "backup_request", "due_reminder", "all_committed", "meeting"]
)
def test_german_variants(views, kind):
    german = Renderer().render(kind, contexts(views, "de")[kind], "de")
    english = Renderer().render(kind, contexts(views)[kind], "en")
    assert german.text != english.text and german.subject != english.subject
    assert german.html != english.html


def test_languages_fall_back_to_the_default(views):
    english = Renderer().render("owner_declined", contexts(views)["owner_declined"], "en")
    assert Renderer().render("owner_declined", contexts(views)["owner_declined"], "fr") == english
    assert Renderer().render("owner_declined", contexts(views)["owner_declined"], "pt-BR") == english
    german = Renderer().render("request", contexts(views, "de")["request"], "de")
    assert Renderer().render("request", contexts(views, "de")["request"], "de-AT") == german


def test_a_user_template_overrides_by_name(views, tmp_path):
    (tmp_path / "request.subject").write_text("Please commit: {{ plan.title }}")
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "request.txt").write_text("Hallo {{ recipient.name }}, bitte zusagen.\n")
    renderer = Renderer(overrides=tmp_path)
    english = renderer.render("request", contexts(views)["request"])
    assert english.subject == "Please commit: ACME Corp - Q4 expansion"
    assert "Complete ACME's security questionnaire" in english.text  # not overridden: shipped
    german = renderer.render("request", contexts(views, "de")["request"], "de")
    assert german.text == "Hallo Riley Rep, bitte zusagen.\n"
    # A language variant wins over a default-language file, whoever ships it.
    assert german.subject == Renderer().render("request", contexts(views, "de")["request"], "de").subject


def test_a_template_changed_since_another_renderer_compiled_it_is_compiled_again(views, tmp_path):
    """Renderers share the code of the templates compiled in the process (render.COMPILED), for the
    source it was compiled from only."""
    (tmp_path / "request.subject").write_text("First: {{ plan.title }}")
    assert Renderer(overrides=tmp_path).render("request", contexts(views)["request"]).subject.startswith("First: ")
    (tmp_path / "request.subject").write_text("Then: {{ plan.title }}")
    assert Renderer(overrides=tmp_path).render("request", contexts(views)["request"]).subject.startswith("Then: ")


def test_unknown_kind_is_refused():
    with pytest.raises(TemplateNotFound):
        Renderer().render("ransom_note", {})


def test_the_sandbox_stops_unsafe_templates(views, tmp_path):
    (tmp_path / "request.subject").write_text("{{ plan.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(SecurityError):
        Renderer(overrides=tmp_path).render("request", contexts(views)["request"])


SANDBOX_CASES = [
    "{{ d.title }}",
    "{{ d.missing }}|{{ d.missing.deeper }}",
    "{{ d['title'] }}",
    "{{ d.items()|list }}",
    "{{ d.keys()|list }}",
    "{{ d.get('title') }}",
    "{{ d.update({'x': 1}) }}",
    "{{ d.pop('title') }}",
    "{{ d.__class__ }}",
    "{{ d.__class__.__mro__[1].__subclasses__() }}",
    "{{ e.items }}",
    "{{ s.upper() }}|{{ s.format(1) }}|{{ s.__class__ }}",
    "{{ n.real }}|{{ l.append(1) }}",
    "{% import 'blocks' as b %}{{ b.box(d.title) }}|{{ b.box(d) }}|{{ b._hidden }}|{{ b.missing }}|{{ b.__dict__ }}",
    "{% import 'blocks' as b %}{{ b.box(x=1) }}",
    "{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m(d.title) }}{{ m(caller=1) }}",
]


@pytest.mark.parametrize("source", SANDBOX_CASES)
def test_the_sandbox_shortcuts_give_the_sandbox_answers(source):
    """Renderer's Sandbox reads dict keys and calls macros sooner; what a template gets, or the
    error it raises, is what Jinja2's immutable sandbox gives."""
    from jinja2 import DictLoader
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from followthru.drafting.render import Sandbox

    blocks = {"blocks": "{% set _hidden = 1 %}{% macro box(v) %}<{{ v }}>{% endmacro %}", "t": source}
    data = {"d": {"title": "T", "items": "I"}, "e": {"items": "only a key"}, "s": "x{}", "n": 3, "l": [1]}
    outcomes = []
    for environment in (Sandbox, ImmutableSandboxedEnvironment):
        env = environment(loader=DictLoader(blocks), autoescape=True)
        try:
            outcomes.append(env.get_template("t").render(data))
        except Exception as error:
            outcomes.append(f"{type(error).__name__}: {error}")
    assert outcomes[0] == outcomes[1]


SHARING_TEMPLATES = {
    "blocks": "{% macro box(v) %}<{{ v }}>{% endmacro %}{% macro ns(n) %}[{{ n.v }}]{% endmacro %}"
    "{% macro cycle(c) %}{{ c.next() }}{% endmacro %}{% macro wrap() %}({{ caller() }}){% endmacro %}"
    "{% macro seen() %}{{ who }}{% endmacro %}",
    "t": "{% import 'blocks' as b %}{% import 'blocks' as bc with context %}"
    "{{ b.box(plan.title) }}{{ b.box(plan) }}{{ b.box(plan.steps) }}{{ b.box(who) }}"
    "{% set ns = namespace(v=1) %}{{ b.ns(ns) }}{% set ns.v = 2 %}{{ b.ns(ns) }}"
    "{% set c = cycler('a', 'b') %}{{ b.cycle(c) }}{{ b.cycle(c) }}"
    "{% call b.wrap() %}{{ who }}{% endcall %}{{ bc.seen() }}"
    "{% macro here() %}{{ x }}{% endmacro %}{% set x = 1 %}{{ here() }}{% set x = 2 %}{{ here() }}"
    "{% for s in plan.steps %}{{ b.box(s) }}{% endfor %}",
}


def test_shared_macro_texts_are_the_texts_each_call_writes():
    """Within a plan's sharing, a macro of an imported module called again with the very same shared
    variables gives its earlier text; a template's own macros, namespaces, cyclers, call blocks and
    modules imported with context are written each time, as without sharing."""
    from jinja2 import DictLoader

    from followthru.drafting.render import Sandbox

    env = Sandbox(loader=DictLoader(SHARING_TEMPLATES), autoescape=True)
    plan = {"title": "T", "steps": [{"what": "a"}, {"what": "b"}]}
    readers = [{"plan": plan, "who": name} for name in ("Sam", "Lee", "Sam")]
    alone = [env.get_template("t").render(reader) for reader in readers]
    with env.sharing() as sharing:
        sharing.share(plan)
        shared = [env.get_template("t").render(reader) for reader in readers]
        assert sharing.texts  # something was shared
    assert shared == alone
    assert "<Sam>" in alone[0] and "<Lee>" in alone[1] and "[1][2]" in alone[0] and "ab" in alone[0]
    assert "12" in alone[0] and "(Sam)" in alone[0] and alone[0].count("Sam") >= 3


def test_every_kind_renders_the_same_when_a_plan_shares_its_texts(views):
    renderer = Renderer()
    alone = {kind: renderer.render(kind, context) for kind, context in contexts(views).items()}
    with renderer.sharing():
        for kind, context in contexts(views).items():
            renderer.share(context["plan"], context.get("roster", []))
        shared = {kind: renderer.render(kind, context) for kind, context in contexts(views).items()}
        again = {kind: renderer.render(kind, context) for kind, context in contexts(views).items()}
    assert shared == alone == again


def test_plan_content_is_never_template_code_and_html_is_escaped(views):
    context = contexts(views)["request"]
    context["plan"] = {
        **context["plan"],
        "title": "{{ 7*7 }} <script>alert(1)</script>",
        "priorities": ["<b>bold</b> & {% raw %}"],
    }
    rendered = Renderer().render("request", context)
    assert "{{ 7*7 }}" in rendered.subject and "49" not in rendered.subject
    assert "<script>" in rendered.text  # plain text is shown as is
    assert "<script>" not in rendered.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; {% raw %}" in rendered.html


def test_an_ambiguous_time_is_shown_with_its_utc_offset(views):
    """01:30 on 7 Nov 2027 happens twice in New York: the first one is meant, and said so."""
    plan = views.plan
    night = plan.meetings[1].model_copy(update={"start": datetime(2027, 11, 7, 1, 30)})
    later = plan.meetings[1].model_copy(update={"start": datetime(2027, 11, 7, 3, 30)})
    moved = PlanViews(plan.model_copy(update={"meetings": [plan.meetings[0], night]}))
    fmt = moved.formatter(moved.owner())
    assert moved.meeting(night, fmt)["when"] == "Sun 7 Nov 2027, 01:30 EDT (UTC\u221204:00) (1h00)"
    assert moved.meeting(later, fmt)["when"] == "Sun 7 Nov 2027, 03:30 EST (1h00)"  # no doubt, no offset
    second = datetime(2027, 11, 7, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York"))
    assert fmt.when(datetime(2027, 11, 7, 1, 30)) != fmt.when(second) == "Sun 7 Nov 2027, 01:30 EST (UTC\u221205:00)"
    # A reader elsewhere sees their own, unambiguous time.
    berlin = Person("Sol", "sol@example.com", ZoneInfo("Europe/Berlin"))
    assert moved.formatter(berlin).when(datetime(2027, 11, 7, 1, 30)) == "Sun 7 Nov 2027, 06:30 CET"
    owner = moved.owner()
    context = moved.context(
        owner,
        sender={"name": "Followthru", "email": "followthru@example.com"},
        answer_to="followthru@example.com",
        meeting=moved.meeting(night, fmt),
    )
    invitation = Renderer().render("meeting", context)
    assert "01:30 EDT (UTC\u221204:00)" in invitation.text and "01:30 EDT (UTC\u221204:00)" in invitation.html


def test_the_lapsed_notice_lists_every_line_per_plan_once(views):
    config = Config(sender=Sender(email="followthru@example.com"))
    composer = Composer(config, Renderer(), b"k" * 32)
    other = views.plan.model_copy(
        update={"plan": views.plan.plan.model_copy(update={"id": "globex", "title": "Globex renewal"})}
    )
    lines = [
        "Lee Legal did not answer by Wed 2 Dec 2026, 17:00 EST; no backup is left.",
        "Sam Security's asks were due Wed 9 Dec 2026 (accepted).",
    ]
    since = datetime(2026, 11, 30, 15, 0, tzinfo=ZoneInfo("UTC"))
    now = datetime(2026, 12, 14, 14, 0, tzinfo=ZoneInfo("UTC"))
    built = composer.lapsed(
        "riley@example.com",
        since,
        now,
        [
            (views.plan, lines),
            (other, ["Pat Backup did not answer by Fri 4 Dec 2026, 17:00 EST; no backup is left."]),
            (other, []),
        ],
    )
    message = built.parsed()
    assert built.recipients == ["riley@example.com"] and message["X-Followthru-Kind"] == "owner_lapsed"
    assert message["Subject"] == "While Followthru was not running: 3 things lapsed on 2 plans"
    text = message.get_body(("plain",)).get_content()
    assert "from Mon 30 Nov 2026, 10:00 EST to Mon 14 Dec 2026, 09:00 EST" in text  # the owner's timezone
    for line in lines + ["Pat Backup did not answer by Fri 4 Dec 2026, 17:00 EST; no backup is left."]:
        assert f"- {line}" in text
    assert text.index("ACME Corp - Q4 expansion") < text.index(lines[0]) < text.index("Globex renewal")
    assert "followthru status globex" in text
    with pytest.raises(ValueError):
        composer.lapsed("riley@example.com", since, now, [(views.plan, [])])


@pytest.mark.parametrize(
    "reason, facts, says",
    [
        ("stale", {"answered_version": 1, "current_version": 2}, "version 1 of the plan"),
        ("ambiguous", {"plans": ["Plan alpha", "Plan beta"]}, "Plan alpha, Plan beta"),
        ("list", {"list_id": "security.lists.example.com"}, "security.lists.example.com"),
    ],
)
def test_an_answer_not_counted_says_why(views, reason, facts, says):
    context = {**contexts(views)["owner_unmatched"], "reason": reason, **facts}
    rendered = Renderer().render("owner_unmatched", context)
    assert says in rendered.text and says in rendered.html
    assert "could not match to any of your requests" not in rendered.text  # not the generic wording
