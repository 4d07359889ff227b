"""The commented starter plan written by ``followthru plan new``, dated from today."""

from __future__ import annotations

from datetime import date, timedelta

STARTER = '''\
# A Followthru handoff plan. Fill it in, check it with `followthru plan check FILE`,
# then drop it into plans/incoming/. Times without an offset are in the plan's timezone.

[plan]
# id = "my-deal"                  # optional; default: the file name without extension
title = "Customer - what this plan is for"
customer = "Customer Inc."
timezone = "UTC"                  # IANA name, e.g. "America/New_York"
respond_by = {respond_by}T17:00:00   # everyone answers by then (a resource can override it)
# What matters most, in the order it matters; shown in every message.
priorities = [
    "The outcome the customer needs, and by when",
    "What must not go wrong",
]
# Free text shown in every request: the background a colleague needs.
context = """
How we got here and what the customer expects next.
"""
# status = "cancelled"            # withdraws the plan and cancels its meetings

[owner]                           # you, the rep: you get notices and a daily digest
name = "Your Name"
email = "you@example.com"

[[resources]]                     # someone you need a commitment from
id = "alex"                       # lowercase letters, digits and '-'
name = "Alex Example"
email = "alex@example.com"
role = "Solutions engineer"
asks = ["The first thing you need from Alex", "The second thing"]
due = {due}                # a date, or a date and time
# respond_by = {respond_by}T12:00:00   # this person's own reply deadline
backups = ["jo"]                  # asked in this order if Alex declines, bounces or stays silent
# language = "de"                 # picks templates/de/ when present
# timezone = "Europe/Berlin"      # how times are shown to Alex and when mail reaches them
# greeting = "Dr. Example"        # how mail greets Alex; default: "Alex" (the first word of name)

[[resources]]
id = "jo"
name = "Jo Standby"
email = "jo@example.com"
role = "Solutions engineer"
standby = true                    # asked only when someone they back up drops out

[[steps]]                         # the next steps: what, how, who, by when
what = "What will be done"
how = "How it will be done"
owner = "alex"                    # a resource id; leave out for steps you own
due = {due}

[[contingencies]]                 # what you will do if something slips
risk = "What could go wrong"
response = "What happens then, and who does it"

[[stakeholders]]                  # kept informed at milestones, never asked to act
name = "Your Manager"
email = "manager@example.com"
why = "Approves the deal"
# updates = ["started", "dropped_out", "at_risk", "all_committed", "cancelled", "closed"]

[[meetings]]                      # sent as calendar invitations
kind = "follow-up"                # follow-up | review
title = "Weekly check-in"
start = {meeting}T10:00:00
duration = "30m"
repeat = "weekly"                 # daily | weekly | biweekly | monthly | an RRULE
count = 3
location = "https://meet.example.com/check-in"
# attendees = "committed"         # committed | all | ["alex", "someone@example.com"]
'''


def _business_days_after(start: date, days: int) -> date:
    current = start
    while days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def starter_plan(today: date) -> str:
    """The starter plan text, with dates a few business days after ``today``."""
    return STARTER.format(
        respond_by=_business_days_after(today, 3),
        due=_business_days_after(today, 10),
        meeting=_business_days_after(today, 5),
    )
