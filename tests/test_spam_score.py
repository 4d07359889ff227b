"""Nothing a spam filter punishes: every kind of message, in English and German, scores at most 0.5
with SpamAssassin's local tests (no network, no DNS, no Bayes, no trusted-relay allowance)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followthru.config import Config, Sender
from followthru.mail.compose import Built
from followthru.messages import Composer
from followthru.planfile import load_plan
from followthru.render import KINDS, Renderer
from followthru.views import PlanViews

from test_render import kind_extras

ROOT = Path(__file__).resolve().parents[1]
MOST = 0.5
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("UTC"))


def spamassassin() -> str:
    """The spamassassin program; the test fails (never skips) without it."""
    program = shutil.which("spamassassin")
    if program is None:
        pytest.fail("spamassassin is not installed: apt-get install spamassassin (.ci/run installs it)",
                    pytrace=False)
    return program


def every_kind(renderer: Renderer) -> dict[str, Built]:
    """Each kind the composer makes, worded in English and in German: ``{"en/request": built, ...}``."""
    views = PlanViews(load_plan(ROOT / "examples" / "acme-q4.toml").plan)
    composer = Composer(Config(sender=Sender(email="followthru@example.com")), renderer, b"k" * 32)
    built = {}
    for language in ("en", "de"):
        owner = views.owner()
        reader = type(owner)(owner.name, owner.email, owner.timezone, language)
        for kind, extra in kind_extras(views, reader).items():
            built[f"{language}/{kind}"] = composer.for_plan(views, kind, reader, NOW, resource_id="sam", extra=extra)
    attendees = [views.owner(), views.resource_person(views.plan.resource("sam"))]
    built["en/meeting invitation (iMIP)"] = composer.meeting_invitation(views, views.plan.meetings[0], attendees, 0, NOW)
    built["en/meeting cancellation (iMIP)"] = composer.meeting_invitation(views, views.plan.meetings[0], attendees, 1,
                                                                          NOW, method="CANCEL")
    return built


def scores(messages: dict[str, Built], folder: Path) -> dict[str, tuple[float, list[str]]]:
    """SpamAssassin's score and the rules that hit, per message, from one run over all of them:
    local tests only (``-L``), no user preferences, Bayes off and nothing learned, no DNS, and
    ALL_TRUSTED scored 0 so that no message is let off for coming through trusted relays."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, built in messages.items():
        path = folder / (re.sub(r"\W+", "-", name) + ".eml")
        path.write_bytes(built.raw)
        paths.append(path)
    options = ["-L", "-t", "-x", "-p", "/dev/null", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0",
               f"--cf=bayes_path {folder / 'bayes'}", "--cf=dns_available no", "--cf=score ALL_TRUSTED 0"]
    run = subprocess.run([spamassassin(), *options, *map(str, paths)], capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    output = run.stdout.decode("utf-8", errors="replace")
    by_id = {built.message_id: name for name, built in messages.items()}
    found: dict[str, tuple[float, list[str]]] = {}
    for chunk in re.split(r"^(?=X-Spam-Checker-Version:)", output, flags=re.M)[1:]:
        message_id = re.search(r"^Message-ID: (<[^>]+>)", chunk, re.M | re.I).group(1)
        score = float(re.search(r"^X-Spam-Status: \w+, score=(-?[\d.]+)", chunk, re.M).group(1))
        report = chunk.split("Content analysis details:", 1)[-1]
        rules = [f"{points} {rule}" for points, rule in re.findall(r"^\s*(-?\d+\.\d+) (\w+)", report, re.M)]
        found[by_id[message_id]] = (score, rules)
    assert set(found) == set(messages), f"spamassassin did not score {sorted(set(messages) - set(found))}"
    return found


def test_every_kind_scores_at_most_half_a_point(tmp_path):
    messages = every_kind(Renderer())
    assert set(KINDS) <= {name.split("/")[1] for name in messages}
    found = scores(messages, tmp_path / "messages")
    for name, (score, rules) in sorted(found.items()):
        print(f"{name:32} {score:5.1f}  {', '.join(rules)}")
    over = {name: found[name] for name in found if found[name][0] > MOST}
    assert not over, f"scored more than {MOST}: {over}"


def test_hidden_preview_text_is_what_the_filter_punishes(tmp_path):
    """The check can fail: a layout with a hidden preview line in the background colour (as the
    messages had before) scores over the limit."""
    shipped = (ROOT / "templates" / "_layout.html").read_text()
    hidden = ('<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;font-size:1px;'
              'line-height:1px;color:#f4f5f7;">{{ plan.title }} needs you.</div>\n<table')
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "_layout.html").write_text(shipped.replace("<table", hidden, 1))
    request = every_kind(Renderer(overrides=overrides))["en/request"]
    [(score, rules)] = scores({"en/request": request}, tmp_path / "messages").values()
    assert score > MOST and any("HTML_FONT_LOW_CONTRAST" in rule for rule in rules), (score, rules)
