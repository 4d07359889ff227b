"""The reply reader: one inbound message in, a :class:`Reply` out (headers, the person's new
words, the intent and its evidence, a calendar answer or a bounce when there is one)."""

from followthru.replies.reader import Bounce, CalendarAnswer, Reply, read_reply

__all__ = ["Reply", "CalendarAnswer", "Bounce", "read_reply"]
