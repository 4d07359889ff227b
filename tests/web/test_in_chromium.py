"""The web pages in a real browser: headless Chromium (Debian's, driven by Playwright) against a real
``followthru -c CONFIG web`` process, used as a person would: links taken from the mail the daemon
sent, choices clicked, dates typed, forms sent; the daemon's pass (``tick --now``) applies what the
pages queued, and ``status --json`` shows the result. Every page is watched for console errors,
Content-Security-Policy violations and failed loads.

With FOLLOWTHRU_SCREENSHOTS=1 the screenshots of docs/images/web-*.png are made again.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from followthru.web.app import CONTENT_SECURITY_POLICY
from support.chromium import chromium
from support.webserver import WebServer, serve_on_free_port
from support.workspace import EXAMPLE, MONDAY, Workspace, maildir_workspace

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
SCREENSHOTS = os.environ.get("FOLLOWTHRU_SCREENSHOTS") == "1"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
OWNER = "riley@example.com"
SAMS_DUE = date(2026, 12, 9)  # in the example plan
TUESDAY = "2026-12-01T17:00:00+00:00"  # noon in New York, the day after the example plan started
CHOICE_LABELS = {
    "commit": "I commit",
    "decline": "I can't",
    "propose": "Propose another date",
    "question": "I have a question",
}
# The example plan under other names: one plan a test changes, so that the tests keep apart.
PLANS = {
    "acme-q4": ("ACME Corp - Q4 expansion", "ACME Corp"),  # looked at; answered only for the screenshots
    "globex-renewal": ("Globex - renewal", "Globex"),  # answered: I commit
    "initech-pilot": ("Initech - pilot", "Initech"),  # answered: I can't
    "umbrella-eu": ("Umbrella - EU rollout", "Umbrella"),  # answered: another date
    "hooli-sso": ("Hooli - SSO add-on", "Hooli"),  # answered: a question
    "stark-upgrade": ("Stark - platform upgrade", "Stark Industries"),  # countered, approved on the board
}
ANSWERED = {"commit": "globex-renewal", "decline": "initech-pilot", "propose": "umbrella-eu", "question": "hooli-sso"}
WATCH_CSP = (
    "document.addEventListener('securitypolicyviolation', "
    "e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
)


def example(plan_id: str, title: str, customer: str) -> str:
    return (
        EXAMPLE.read_text()
        .replace('id = "acme-q4"', f'id = "{plan_id}"', 1)
        .replace('title = "ACME Corp - Q4 expansion"', f'title = "{title}"', 1)
        .replace('customer = "ACME Corp"', f'customer = "{customer}"', 1)
    )


class Site:
    """The workspace with its plans started on Monday, the web server over it, and the daemon's clock,
    moved on ten minutes by each pass."""

    def __init__(self, workspace: Workspace, server: WebServer):
        self.workspace = workspace
        self.server = server
        self.now = datetime.fromisoformat(MONDAY)

    def url(self, path: str) -> str:
        return self.server.url(path)

    def tick(self, at: str | None = None) -> list[EmailMessage]:
        """One pass of the daemon, ten minutes after the last (or ``at``); the messages it sent."""
        self.now = datetime.fromisoformat(at) if at else self.now + timedelta(minutes=10)
        return self.workspace.tick(self.now.isoformat())

    def status(self) -> dict[str, dict]:
        plans = json.loads(self.workspace.cli("status", "--json").stdout)["plans"]
        return {plan["id"]: plan for plan in plans}

    def commitment(self, plan_id: str, resource: str) -> dict:
        return next(c for c in self.status()[plan_id]["commitments"] if c["resource"] == resource)

    def mail(self, kind: str, plan_id: str | None = None, resource: str | None = None) -> list[EmailMessage]:
        """The messages of ``kind`` in the outbox (optionally of one plan, to one person)."""
        return [
            m
            for m in self.workspace.all_mail()
            if m["X-Followthru-Kind"] == kind
            and (plan_id is None or m["X-Followthru-Plan"] == plan_id)
            and (resource is None or m["X-Followthru-Resource"] == resource)
        ]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("web-in-chromium")
    workspace = maildir_workspace(root / "ws")
    base_url = serve_on_free_port(workspace.config)
    for plan_id, (title, customer) in PLANS.items():
        workspace.drop_plan(example(plan_id, title, customer), f"{plan_id}.toml")
    workspace.tick(MONDAY)
    with WebServer(workspace.config, base_url, root / "web.log") as server:
        yield Site(workspace, server)


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


class Watched:
    """Browser contexts whose pages are watched: console errors, CSP violations (Chromium's own console
    message and the page's securitypolicyviolation event), uncaught errors, and sub-resources that
    failed to load. A page's own status shows in the console too ("Failed to load resource" for a 4xx
    document); the tests check those statuses themselves, so they are not counted."""

    def __init__(self, browser):
        self.browser = browser
        self.contexts = []
        self.problems: list[str] = []

    def page(self, device: dict | None = None, **options) -> Page:
        context = self.browser.new_context(**(device or DESKTOP), **options)
        context.add_init_script(WATCH_CSP)
        self.contexts.append(context)
        page = context.new_page()
        documents: set[str] = set()

        def on_response(response):
            if response.request.resource_type == "document":
                documents.add(response.url)
            elif response.status >= 400:
                self.problems.append(f"{response.status} for {response.url}")

        def on_console(message):
            if message.type not in ("error", "warning"):
                return
            if message.text.startswith("Failed to load resource") and message.location.get("url") in documents:
                return
            self.problems.append(f"console {message.type} on {page.url}: {message.text}")

        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error on {page.url}: {error}"))
        page.on("requestfailed", lambda request: self.problems.append(f"{request.url} failed: {request.failure}"))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, site):
    watched = Watched(browser)
    yield watched
    watched.close()
    assert not watched.problems, "\n".join(watched.problems) + "\n\nweb log:\n" + site.server.log_tail()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((" ".join(self._text.split()), self._href))
            self._href = None


def links_in(message: EmailMessage) -> list[tuple[str, str]]:
    """The links of a message's HTML part: (text, address)."""
    parser = _Links()
    parser.feed(message.get_body(("html",)).get_content())
    return parser.links


def answer_links(site: Site, plan_id: str, resource: str) -> dict[str, str]:
    """The answer buttons of the request a person got, as the email shows them: choice -> link (the
    buttons' words are in the person's language, so they are told apart by their links' ends)."""
    (request,) = site.mail("request", plan_id, resource)
    found = {href.rpartition("/")[2]: href for _, href in links_in(request) if href.startswith(site.url("/a/"))}
    assert set(CHOICE_LABELS) <= set(found), found
    return found


def another_date() -> str:
    """A date the form takes (the web process's today or later) other than the one Sam is asked for."""
    proposed = date.today() + timedelta(days=14)
    return (proposed + timedelta(days=1) if proposed == SAMS_DUE else proposed).isoformat()


def radio(page: Page, choice: str):
    return page.get_by_role("radio", name=CHOICE_LABELS[choice], exact=True)


def test_the_watch_sees_csp_violations_and_failed_loads(site, browser):
    """What every test relies on: a page breaking the pages' policy is caught (served here by the
    browser itself, with the policy the web process sends)."""
    watched = Watched(browser)
    page = watched.page()
    body = '<p style="color: red">inline style</p><img src="/static/missing.png">'
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Content-Type": "text/html"}
    page.route(site.url("/watch-check"), lambda route: route.fulfill(status=200, headers=headers, body=body))
    with page.expect_console_message(lambda message: message.text.startswith("CSP violation")):
        page.goto(site.url("/watch-check"))
    page.wait_for_load_state("load")
    watched.close()
    seen = "\n".join(watched.problems)
    assert "CSP violation: style-src-attr" in seen and "404 for " + site.url("/static/missing.png") in seen, seen


# -- answering ------------------------------------------------------------------------------------------
def test_each_answer_from_the_email_is_taken_in_by_the_daemon(site, browsing):
    (request,) = site.mail("request", "globex-renewal", "sam")
    buttons = [text for text, href in links_in(request) if href.startswith(site.url("/a/"))]
    assert buttons[:4] == list(CHOICE_LABELS.values())
    proposals = {}
    for choice, plan_id in ANSWERED.items():
        page = browsing.page()
        page.goto(answer_links(site, plan_id, "sam")[choice])
        expect(page.locator("h1")).to_have_text(PLANS[plan_id][0])
        radio(page, choice).check()
        expect(radio(page, choice)).to_be_checked()
        if choice == "propose":
            proposals[plan_id] = another_date()
            page.locator("#proposed").fill(proposals[plan_id])
            page.locator("#words").fill("Legal needs a week more")
        if choice == "question":
            page.locator("#words").fill("Which SSO provider do they use?")
        page.get_by_role("button", name="Send my answer").click()
        expect(page.locator("h2")).to_have_text("Thank you — your answer is in")
        expect(page.locator(".done")).to_contain_text(CHOICE_LABELS[choice])
        expect(page.get_by_role("button", name="Send my answer")).to_have_count(0)
        assert site.commitment(plan_id, "sam")["state"] == "requested"  # only the daemon changes a plan
    site.tick()
    expected = {"commit": "accepted", "decline": "replaced", "propose": "countered", "question": "question"}
    for choice, plan_id in ANSWERED.items():
        commitment = site.commitment(plan_id, "sam")
        assert commitment["state"] == expected[choice], (choice, commitment)
    assert site.commitment("umbrella-eu", "sam")["proposed"] == proposals["umbrella-eu"]
    page = browsing.page()
    page.goto(answer_links(site, "globex-renewal", "sam")["commit"])
    expect(page.locator(".done")).to_contain_text("You have committed.")


def test_the_date_field_shows_only_for_another_date(site, browsing):
    links = answer_links(site, "acme-q4", "lee")
    page = browsing.page()
    page.goto(links["commit"])
    proposed = page.locator("#proposed")
    expect(proposed).to_be_hidden()
    for choice in ("decline", "question", "commit"):
        page.get_by_text(CHOICE_LABELS[choice], exact=True).click()
        expect(proposed).to_be_hidden()
    page.get_by_text(CHOICE_LABELS["propose"], exact=True).click()
    expect(proposed).to_be_visible()
    page.get_by_text(CHOICE_LABELS["commit"], exact=True).click()
    expect(proposed).to_be_hidden()
    page.goto(links["propose"])
    expect(page.locator("#proposed")).to_be_visible()
    expect(radio(page, "propose")).to_be_checked()


def test_a_phone_shows_the_choices_and_the_button_without_sideways_scrolling(site, browsing):
    page = browsing.page(PHONE)
    link = answer_links(site, "acme-q4", "sam")["commit"]
    page.goto(link)
    expect(page.locator(".facts")).to_contain_text("Wed 2 Dec 2026, 12:00 EST")  # the time says whose it is
    width = PHONE["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    targets = [page.locator(f"label.choice-{choice}") for choice in CHOICE_LABELS]
    targets.append(page.get_by_role("button", name="Send my answer"))
    for target in targets:
        target.scroll_into_view_if_needed()
        expect(target).to_be_visible()
        box = target.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert box["height"] >= 44, box
    page.get_by_text(CHOICE_LABELS["propose"], exact=True).tap()
    expect(page.locator("#proposed")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if SCREENSHOTS:
        page.goto(link)  # as opened, without the tap's highlight
        page.screenshot(path=IMAGES / "web-answer.png", full_page=True)


def test_a_form_with_a_problem_says_so_and_keeps_what_was_typed(site, browsing):
    page = browsing.page()
    page.goto(answer_links(site, "acme-q4", "lee")["question"])
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Write your question in the box.")
    expect(radio(page, "question")).to_be_checked()
    radio(page, "propose").check()
    page.locator("#words").fill("Only after the audit")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the date you can do it by.")
    expect(page.locator("#words")).to_have_value("Only after the audit")
    expect(page.locator("#proposed")).to_be_visible()
    assert site.commitment("acme-q4", "lee")["state"] == "requested"


# -- the board ------------------------------------------------------------------------------------------
def ask_for_a_sign_in_link(site: Site, page: Page) -> str:
    """Ask for a link on the sign-in page; the daemon's next pass mails it. The link in that mail."""
    page.goto(site.url("/sign-in"))
    page.get_by_label("Your email address").fill(OWNER)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    (message,) = [m for m in site.tick() if m["X-Followthru-Kind"] == "owner_sign_in"]
    assert [a.addr_spec for a in message["To"].addresses] == [OWNER]
    (link,) = {href for _, href in links_in(message) if href.startswith(site.url("/sign-in/"))}
    return link


@pytest.fixture(scope="module")
def owner(browser, site):
    """A browser's cookies signed in as the owner of every plan, by a mailed link."""
    watched = Watched(browser)
    page = watched.page()
    page.goto(ask_for_a_sign_in_link(site, page))
    page.get_by_role("button", name="Continue to your plans").click()
    expect(page.locator("h1")).to_have_text("Your plans")
    state = page.context.storage_state()
    watched.close()
    assert not watched.problems, "\n".join(watched.problems)
    return state


def test_signing_in_by_a_mailed_link_that_works_once(site, browsing):
    page = browsing.page()
    page.goto(site.url("/plans"))
    expect(page).to_have_url(site.url("/sign-in"))
    link = ask_for_a_sign_in_link(site, page)
    page.goto(link)
    continue_button = page.get_by_role("button", name="Continue to your plans")
    expect(continue_button).to_be_visible()
    other = browsing.page()  # the link opened elsewhere too, say by a mail scanner
    other.goto(link)
    page.goto(site.url("/plans"))  # opening the link signed nothing in
    expect(page).to_have_url(site.url("/sign-in"))
    page.goto(link)
    page.get_by_role("button", name="Continue to your plans").click()
    expect(page).to_have_url(site.url("/plans"))
    expect(page.locator("h1")).to_have_text("Your plans")
    for title, _ in PLANS.values():
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    again = page.context.new_page()
    response = again.goto(link)
    assert response is not None and response.status == 410
    expect(again.locator("h1")).to_have_text("This link has been used or has expired")
    other.get_by_role("button", name="Continue to your plans").click()
    expect(other.locator("h1")).to_have_text("This link has been used or has expired")
    other.goto(site.url("/plans"))
    expect(other).to_have_url(site.url("/sign-in"))


def test_approving_a_counter_proposal_on_the_board(site, browsing, owner):
    proposed = another_date()
    person = browsing.page()
    person.goto(answer_links(site, "stark-upgrade", "sam")["propose"])
    person.locator("#proposed").fill(proposed)
    person.get_by_role("button", name="Send my answer").click()
    expect(person.locator(".done")).to_be_visible()
    site.tick()
    assert site.commitment("stark-upgrade", "sam")["state"] == "countered"

    board = browsing.page(storage_state=owner)
    board.goto(site.url("/plans"))
    board.get_by_role("link", name=PLANS["stark-upgrade"][0], exact=True).click()
    waiting = board.locator("section", has=board.get_by_role("heading", name="Waits on you"))
    item = waiting.locator(".item", has_text="Sam Security proposes other terms")
    expect(item).to_contain_text(date.fromisoformat(proposed).strftime("%d %b %Y").lstrip("0"))
    item.get_by_role("button", name="Approve").click()
    expect(board.locator("h1")).to_have_text("Decision sent")
    assert site.commitment("stark-upgrade", "sam")["state"] == "countered"  # the daemon decides
    site.tick()
    commitment = site.commitment("stark-upgrade", "sam")
    assert commitment["state"] == "accepted" and commitment["agreed_due"] == proposed
    board.get_by_role("link", name="Back to the plan").click()
    expect(board.get_by_role("heading", name="Waits on you")).to_have_count(0)
    people = board.locator("section", has=board.get_by_role("heading", name="People"))
    expect(people.locator("tr", has_text="Sam Security")).to_contain_text("accepted")


WAYNE_BAD = """\
[plan]
id = "wayne-review"
title = "Wayne Enterprises - security review"
timezone = "America/New_York"
respond_by = {respond_by}T17:00:00

[owner]
name = "Riley Rep"
email = "riley@example.com"

[[resources]]
id = "sam"
name = "Sam Security"
email = "sam.security-at-example.com"
asks = ["Answer Wayne's security review"]
due = "next week"
"""
WAYNE_GOOD = (
    WAYNE_BAD.replace("-at-example.com", "@example.com").replace('"next week"', "{due}")
    + 'role = "Security engineer"\n'
)


def settled(site: Site) -> None:
    """Files put into plans/incoming count as completely written (the daemon waits a second for that)."""
    old = datetime.now().timestamp() - 5
    for path in (site.workspace.root / "plans" / "incoming").iterdir():
        os.utime(path, (old, old))


def test_uploading_a_bad_plan_shows_its_problems_by_line_and_a_good_one_reaches_the_board(site, browsing, owner):
    respond_by, due = date.today() + timedelta(days=30), date.today() + timedelta(days=40)
    page = browsing.page(storage_state=owner)
    page.goto(site.url("/plans"))
    page.get_by_role("link", name="Upload a plan").first.click()
    bad = WAYNE_BAD.format(respond_by=respond_by).encode()
    page.locator("#plan").set_input_files(files=[{"name": "wayne.toml", "mimeType": "text/plain", "buffer": bad}])
    page.get_by_role("button", name="Check and upload").click()
    expect(page.get_by_role("heading", name="wayne.toml was not taken: 2 problems")).to_be_visible()
    expect(page.locator(".bad-line")).to_have_count(2)
    expect(page.locator("#line-14.bad-line .problem")).to_contain_text("resources[0].email")
    expect(page.locator("#line-14 .text")).to_have_text('email = "sam.security-at-example.com"')
    expect(page.locator("#line-16.bad-line .problem")).to_contain_text("resources[0].due")
    assert not list((site.workspace.root / "plans" / "incoming").iterdir())

    good = WAYNE_GOOD.format(respond_by=respond_by, due=due).encode()
    page.locator("#plan").set_input_files(files=[{"name": "wayne.toml", "mimeType": "text/plain", "buffer": good}])
    page.get_by_role("button", name="Check and upload").click()
    expect(page.locator("h1")).to_have_text("Taken")
    settled(site)
    site.tick()
    assert site.status()["wayne-review"]["state"] == "active"
    page.get_by_role("link", name="Open the plan").click()
    expect(page.locator("h1")).to_contain_text("Wayne Enterprises - security review")
    page.goto(site.url("/plans"))
    expect(page.get_by_role("link", name="Wayne Enterprises - security review", exact=True)).to_be_visible()


def test_a_plan_page_shows_its_timeline_with_a_row_per_person(site, browsing, owner):
    page = browsing.page(storage_state=owner)
    page.goto(site.url("/plans/acme-q4"))
    picture = page.locator("svg.timeline")
    expect(picture).to_be_visible()
    box = picture.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 100, box
    people = {c["resource"] for c in site.status()["acme-q4"]["commitments"]}
    rows = picture.locator("g.person")
    expect(rows).to_have_count(len(people))
    names = {"sam": "Sam Security", "lee": "Lee Legal", "sol": "Sol Engineer"}
    for resource in people:
        expect(picture.locator("g.person text", has_text=names[resource])).to_be_visible()
    expect(picture.locator("g.person circle").first).to_be_visible()  # the requests sent


def clocked_server(site: Site, at: datetime, name: str) -> WebServer:
    """A second web process for the workspace whose clock starts at ``at`` (libfaketime), so that its
    pages agree with the daemon's passes; it takes the proxy's X-Forwarded-Email as the signed-in user."""
    config = site.workspace.root / f"{name}.toml"
    base_url = serve_on_free_port(config, site.workspace.config, user_header="X-Forwarded-Email")
    return WebServer(config, base_url, site.workspace.root.parent / f"{name}-web.log", at)


def test_screenshots_of_the_board(site, browsing, tmp_path):
    """The plans, and the example plan with a commitment, a counter-proposal and a reminder, as their
    owner sees them on Tuesday, from web processes whose clocks agree with the daemon's (into
    docs/images with FOLLOWTHRU_SCREENSHOTS=1, else only looked at)."""
    images = IMAGES if SCREENSHOTS else tmp_path
    with clocked_server(site, site.now + timedelta(minutes=2), "monday") as server:
        for resource, choice in (("sol", "commit"), ("lee", "propose")):
            person = browsing.page()
            person.goto(answer_links(site, "acme-q4", resource)[choice].replace(site.url(""), server.url("")))
            if choice == "propose":
                person.locator("#proposed").fill("2026-12-15")
                person.locator("#words").fill("The DPA redlines need our privacy team; they are back on the 14th.")
            person.get_by_role("button", name="Send my answer").click()
            expect(person.locator(".done")).to_be_visible()
            person.wait_for_load_state("load")  # its stylesheet in before this server stops
            person.close()
    site.tick()
    for hour in (9, 10, 11, 12):  # Tuesday in New York: reminders to those who have not answered
        site.tick(TUESDAY.replace("T17:", f"T{hour + 5}:"))
    with clocked_server(site, datetime.fromisoformat(TUESDAY) + timedelta(minutes=20), "tuesday") as server:
        page = browsing.page(extra_http_headers={"X-Forwarded-Email": OWNER})
        page.goto(server.url("/plans"))
        expect(page.locator("h1")).to_have_text("Your plans")
        page.screenshot(path=images / "web-plans.png", full_page=True)
        page.goto(server.url("/plans/acme-q4"))
        expect(page.locator("svg.timeline")).to_be_visible()
        expect(page.locator(".card", has_text="Lee Legal proposes other terms")).to_be_visible()
        page.screenshot(path=images / "web-board.png", full_page=True)
        page.close()
    for name in ("web-plans.png", "web-board.png"):
        assert (images / name).read_bytes().startswith(b"\x89PNG") and (images / name).stat().st_size > 20_000
