"""The HTML parts as a person sees them: opened in headless Chromium, read as visible text."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from support.chromium import chromium

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def visible_text(browser, html: str) -> str:
    page = browser.new_page()
    page.set_content(html)
    text = page.inner_text("body")
    page.close()
    return text


def html_parts(cli, workspace, out: Path, plan: Path = EXAMPLE) -> dict[str, str]:
    assert cli("-c", workspace, "plan", "preview", plan, "--out", out).exit_code == 0
    parts = {}
    for path in sorted(out.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        parts[path.stem] = message.get_body(("html",)).get_content()
    return parts


def test_requests_show_asks_due_dates_and_priorities(browser, cli, workspace, tmp_path):
    parts = html_parts(cli, workspace, tmp_path)
    expected = {
        "01-request-sam": [
            "Complete ACME's security questionnaire (142 questions, SSO section updated)",
            "Join the customer security call on Dec 9 at 11:00 ET",
            "Wed 9 Dec 2026",
            "Wed 2 Dec 2026, 12:00 EST",
        ],
        "02-request-lee": ["Review ACME's redlines on the MSA and the DPA", "Thu 10 Dec 2026, 16:00 CST"],
        "03-request-sol": ["Run the SSO and provisioning walkthrough with ACME IT", "Di., 8. Dez. 2026"],
    }
    priorities = [
        "Close the 500-seat expansion before ACME's budget freeze on Dec 15",
        "Keep the CFO confident on security and data residency",
        "No surprises on price: the 12% discount is the ceiling",
    ]
    for name, phrases in expected.items():
        text = " ".join(visible_text(browser, parts[name]).split())
        for phrase in phrases + priorities:
            assert phrase in text, f"{name}: {phrase!r} not visible"


def test_every_html_part_has_visible_words(browser, cli, workspace, tmp_path):
    for name, html in html_parts(cli, workspace, tmp_path).items():
        text = visible_text(browser, html)
        assert "ACME Corp - Q4 expansion" in text, name
        assert len(text.split()) > 20, name


def test_hostile_plan_content_shows_as_text(browser, cli, workspace, tmp_path):
    plan = tmp_path / "hostile.toml"
    plan.write_text(
        EXAMPLE.read_text()
        .replace('title = "ACME Corp - Q4 expansion"', 'title = "ACME <img src=x onerror=alert(1)> {{ 7*7 }}"')
        .replace(
            '"Complete ACME\'s security questionnaire (142 questions, SSO section updated)"',
            '"<b>Bold</b> {% if true %}yes{% endif %}"',
        )
    )
    parts = html_parts(cli, workspace, tmp_path / "out", plan)
    text = " ".join(visible_text(browser, parts["01-request-sam"]).split())
    assert "ACME <img src=x onerror=alert(1)> {{ 7*7 }}" in text
    assert "<b>Bold</b> {% if true %}yes{% endif %}" in text
    page = browser.new_page()
    page.set_content(parts["01-request-sam"])
    assert page.locator("img").count() == 0 and page.locator("b", has_text="Bold").count() == 0
    page.close()
