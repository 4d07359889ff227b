"""The reply reader: one inbound message in, a :class:`Reply` out (headers, the person's new
words, the intent and its evidence, a calendar answer or a bounce when there is one);
:func:`extract_words` gives the person's new words alone; :func:`settle_for` reads a reply
again against the due date of the person it answers."""

from followthru.replies.reader import (
    Bounce,
    CalendarAnswer,
    Reply,
    extract_words,
    read_reply,
    settle_for,
)

__all__ = ["Bounce", "CalendarAnswer", "Reply", "extract_words", "read_reply", "settle_for"]
