"""Hostile plan content: markup, template syntax and CR/LF never become headers or code."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone
from pathlib import Path

from followthru.drafting.compose import Draft, Mailbox, build_message
from followthru.drafting.render import Rendered

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"


def header_block(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line for line in head.split("\r\n") if line and not line[0].isspace()]


def test_crlf_in_plan_names_and_titles_never_makes_a_header(cli, workspace, tmp_path):
    plan = tmp_path / "hostile.json"
    import json
    import tomllib

    data = tomllib.loads(EXAMPLE.read_text())
    data["plan"]["title"] = "ACME\r\nBcc: victim@example.com\r\nX-Injected: {{ 7*7 }}"
    data["owner"]["name"] = "Riley\nBcc: owner-victim@example.com"
    data["resources"][0]["name"] = "Sam\r\n\r\n<script>alert(1)</script>"
    data["meetings"][0]["title"] = "Check-in\r\nX-Injected: yes"
    plan.write_text(json.dumps(data, default=lambda v: v.isoformat()))
    out = tmp_path / "out"
    result = cli("-c", workspace, "plan", "preview", plan, "--out", out)
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.eml"))
    assert len(files) == 11  # 3 requests, 2 updates, 2 meetings in 3 copies (languages and timezones)
    for path in files:
        raw = path.read_bytes()
        names = [line.split(":", 1)[0].lower() for line in header_block(raw)]
        assert "bcc" not in names and "x-injected" not in names, path.name
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message.defects == []
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    request = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert "ACME Bcc: victim@example.com X-Injected: {{ 7*7 }}" in request["Subject"]
    assert request["To"].addresses[0].display_name == "Sam <script>alert(1)</script>"
    assert request["From"].addresses[0].display_name == "Riley Bcc: owner-victim@example.com via Followthru"
    assert "&lt;script&gt;" in request.get_body(("html",)).get_content()
    invitation = email.message_from_bytes(files[5].read_bytes(), policy=email.policy.default)
    calendar = next(p for p in invitation.walk() if p.get_content_type() == "text/calendar").get_content()
    assert "SUMMARY:Check-in X-Injected: yes" in calendar.replace("\r\n ", "")
    assert "\nX-Injected" not in calendar


def test_composer_folds_header_values_itself():
    draft = Draft(
        sender=Mailbox("Followthru\r\nBcc: a@example.com", "followthru@example.com"),
        to=[Mailbox("Sam\nCc: b@example.com", "sam@example.com")],
        date=datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc),
        headers={"X-Followthru-Plan": "acme\r\nBcc: c@example.com"},
    )
    message = build_message(draft, Rendered(subject="Hi\r\nBcc: d@example.com", text="t\n", html="<p>h</p>"))
    names = [line.split(":", 1)[0].lower() for line in header_block(message.raw)]
    assert names.count("bcc") == 0 and names.count("cc") == 0
    assert message.parsed()["Subject"] == "Hi Bcc: d@example.com"
    assert message.recipients == ["sam@example.com"]
