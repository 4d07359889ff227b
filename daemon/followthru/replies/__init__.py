"""The reply reader: one inbound message in, a :class:`Reply` out (headers, the person's new
words, the intent and its evidence, a calendar answer or a bounce when there is one);
:func:`extract_words` gives the person's new words alone."""

from followthru.replies.reader import (
    Bounce,
    CalendarAnswer,
    Reply,
    extract_words,
    read_reply,
)

__all__ = ["Bounce", "CalendarAnswer", "Reply", "extract_words", "read_reply"]
