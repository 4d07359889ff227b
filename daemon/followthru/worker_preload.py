"""What the plan workers' fork server does once, before it forks any worker (followthru.workers has
it import this module): the work each worker would otherwise do with its first plans, done once for
all of them, as every worker starts as a copy of the server.

Only saves time: whatever is not done here, or does not fit the workspace (a template of its own
overrides a shipped one), a worker does when it first needs it.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from followthru.drafting.render import Renderer
from followthru.drafting.views import Formatter
from followthru.plan import Plan

# The templates of the messages a new plan starts with: its requests and its stakeholders' updates.
NEW_PLAN_TEMPLATES = [
    *(f"{kind}.{part}" for kind in ("request", "stakeholder_update") for part in ("subject", "txt", "html")),
    "_layout.html",
    "_blocks.html",
    "_blocks.txt",
]


def warm() -> None:
    """The plan schema completed (pydantic builds it when the first plan is read), the shipped
    templates of a new plan compiled (kept in followthru.drafting.render.COMPILED for every
    renderer), and Babel's English dates and times read (at the first date written)."""
    Plan.model_rebuild()
    Renderer().load(NEW_PLAN_TEMPLATES)
    utc = ZoneInfo("UTC")
    english = Formatter(utc, "en", utc)
    english.when(date(2026, 1, 5))
    english.when(datetime(2026, 1, 5, 12, tzinfo=timezone.utc))


warm()
