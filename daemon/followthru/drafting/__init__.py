"""Drafting: from the engine's decisions to finished messages, in one pipeline.

Each message goes the same way, one module a step:

1. :mod:`~followthru.drafting.views` - what a template shows: the plan, the person and the ask, in the
   reader's language and time zone (dates, lists and words from ``words.toml`` via
   :mod:`followthru.phrases`);
2. :mod:`~followthru.drafting.render` - the Jinja templates (``templates/``, ``templates/de/``) turn
   that view into a subject, a plain-text body and an HTML body;
3. :mod:`~followthru.drafting.compose` - the MIME message: headers, threading, both bodies, the
   calendar part;
4. :mod:`~followthru.drafting.itip` - for meetings, the iTIP calendar (RFC 5546) with its time zones
   (:mod:`~followthru.drafting.timezones`).

:mod:`~followthru.drafting.messages` (:class:`Composer`) walks one message through those steps;
:mod:`~followthru.drafting.drafter` (:class:`Drafter`) turns a pass's decisions into the messages it
sends, each person's in their own language.
"""
