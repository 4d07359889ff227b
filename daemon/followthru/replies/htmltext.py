"""HTML mail bodies as plain text, read with a real HTML parser (:mod:`html.parser`).

:func:`html_to_text` renders the visible text, one line per block, and knows what mail clients
wrap quoted history and signatures in:

* ``<blockquote>`` (Apple Mail, Thunderbird, Gmail, Yandex, mail.ru ...; not Gmail's borderless
  "indent" blockquote, which holds the person's own text) and the containers of a
  whole quoted message (Yahoo's ``yahoo_quoted``, ``protonmail_quote``, Zoho's ``zmail_extra``,
  AOL's ``AOLMsgPart``): dropped, or with ``mark_quotes`` kept as ``"> "``-prefixed lines so that
  an answer written between quotes can still be told apart from them;
* attribution containers (Gmail's ``gmail_attr``, Thunderbird's ``moz-cite-prefix``): dropped;
* Gmail's ``gmail_quote`` container: dropped, or with ``mark_quotes`` read through (its quote
  is a blockquote, answers written inside it are kept);
* Outlook's reply header (``divRplyFwdMsg``, ``appendonsend``, Outlook for Mac's
  ``OLK_SRC_BODY_SECTION``, Outlook mobile's reference message, Hotmail's ``stopSpelling``,
  Zimbra's ``zwchr``, the grey top border Outlook draws above "From:"): everything from there on
  is history and left out;
* signature blocks (``gmail_signature``, ``moz-signature``, Outlook's ``Signature``, Apple's
  ``AppleMailSignature``, ``data-signatureblock`` ...): dropped unless ``keep_signature``.

The result goes through :func:`followthru.replies.extract.split_reply` like any plain text.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

_BLOCK = {
    "p",
    "div",
    "tr",
    "li",
    "ul",
    "ol",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "dd",
    "dt",
    "dl",
    "address",
    "center",
    "blockquote",
    "form",
    "fieldset",
    "main",
    "nav",
    "aside",
    "figure",
}
_VOID = {
    "br",
    "hr",
    "img",
    "meta",
    "link",
    "input",
    "col",
    "area",
    "base",
    "wbr",
    "source",
    "embed",
    "param",
    "track",
    "keygen",
    "basefont",
    "frame",
    "isindex",
}
_HIDDEN = {"script", "style", "head", "title", "template", "noscript", "xml", "svg"}
# class / id / name of whole quoted messages, read like a blockquote.
_QUOTE_BOX = re.compile(r"yahoo_quoted|protonmail_quote|tutanota_quote|zmail_extra|AOLMsgPart", re.IGNORECASE)
_ATTRIBUTION_BOX = re.compile(r"gmail_attr|moz-cite-prefix|yahoo_attribution|quote_header", re.IGNORECASE)
_GMAIL_QUOTE = re.compile(r"(^|\s)gmail_quote(\s|$)", re.IGNORECASE)
_STOP = re.compile(
    r"divRplyFwdMsg|appendonsend|OLK_SRC_BODY_SECTION|stopSpelling|zwchr"
    r"|mail-editor-reference-message-container|reference-message|replySplit"
    r"|divReplyHeader",
    re.IGNORECASE,
)
_STOP_STYLE = re.compile(
    r"border-top:\s*solid\s*(#(e1e1e1|b5c4df|e5e5e5)|rgb\(\s*(225|229),)"
    r"|border-top-color:\s*(#(e1e1e1|b5c4df|e5e5e5)|rgb\(\s*(225|229),)",
    re.IGNORECASE,
)
_SIGNATURE_BOX = re.compile(
    r"gmail_signature|moz-signature|(^|[\s_-])signature([\s_-]|$)"
    r"|AppleMailSignature|ymail_android_signature|yahoo-signature"
    r"|ms-outlook-mobile-signature|mail-signature",
    re.IGNORECASE,
)
# Gmail's "indent" is a blockquote without a border: the person's own text, not a quote.
_INDENT = re.compile(r"border\s*:\s*none", re.IGNORECASE)
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.IGNORECASE)
_RULE = "_" * 32
_BLANKS = re.compile(r"[ \t\r\n\f]+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_BLANK_LINES = re.compile(r"\n{3,}")


class _Stopped(Exception):
    """The rest of the document is not shown (what :class:`_Renderer` has is the text)."""


class _Renderer(HTMLParser):
    def __init__(self, mark_quotes: bool, keep_signature: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.mark_quotes, self.keep_signature = mark_quotes, keep_signature
        self.lines: list[str] = []
        self.line: list[str] = []
        self.stack: list[tuple[str, str | None]] = []  # (tag, effect) of open elements
        self.open: Counter[str] = Counter()  # open elements by tag: an end tag is matched in O(1),
        # so 100,000 unclosed <div>s followed by end tags take linear time, not quadratic
        self.depth = 0  # quote depth
        self.skipping = 0  # open elements whose content is left out
        self.pre = 0
        self.stopped = False

    # -- output ------------------------------------------------------------------------------
    def _flush(self, force: bool = False) -> None:
        text = "".join(self.line).strip() if not self.pre else "".join(self.line).rstrip()
        if text or force:
            for part in text.split("\n") if self.pre else [text]:
                self.lines.append("> " * self.depth + part if part else ">" * self.depth)
        self.line = []

    def _paragraph(self) -> None:
        """End the current block with an empty line, as a paragraph's margin shows."""
        self._flush()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(">" * self.depth)

    # -- parser callbacks --------------------------------------------------------------------
    def _effect(self, tag: str, attrs: dict[str, str]) -> str | None:
        marks = " ".join((attrs.get("class", ""), attrs.get("id", ""), attrs.get("name", "")))
        style = attrs.get("style", "")
        # most elements have neither: no pattern of marks matches blanks alone, none of style ""
        named = not marks.isspace()
        if (named and _STOP.search(marks)) or (style and _STOP_STYLE.search(style)):
            return "stop"
        if tag in _HIDDEN or (style and _DISPLAY_NONE.search(style)) or (named and _ATTRIBUTION_BOX.search(marks)):
            return "skip"
        if not self.keep_signature and ((named and _SIGNATURE_BOX.search(marks)) or "data-signatureblock" in attrs):
            return "skip"
        indent = (
            tag == "blockquote"
            and style
            and _INDENT.search(style)
            and not (attrs.get("type") == "cite" or (named and _GMAIL_QUOTE.search(marks)))
        )
        if (tag == "blockquote" and not indent) or (named and _QUOTE_BOX.search(marks)):
            return "quote" if self.mark_quotes else "skip"
        if named and _GMAIL_QUOTE.search(marks) and not self.mark_quotes:
            return "skip"
        return "pre" if tag == "pre" else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        values = {name: value or "" for name, value in attrs}
        if self.skipping:
            if tag not in _VOID:
                self._push(tag, None)
            return
        effect = self._effect(tag, values)
        if effect == "stop":
            self._flush()
            self.stopped = True
            raise _Stopped  # nothing after this element is shown: the rest is not even read
        if tag in _VOID:
            if tag == "br":
                self._flush(force=True)
            elif tag == "hr":
                self._flush()
                self.lines.append(_RULE)
            return
        if tag == "p":
            self._paragraph()
        elif tag in _BLOCK or effect in ("quote", "pre"):
            self._flush()
        if tag == "li":
            self.line.append("- ")
        elif tag in ("td", "th"):
            self.line.append(" ")
        self._push(tag, effect)
        if effect == "skip":
            self.skipping += 1
        elif effect == "quote":
            self.depth += 1
        elif effect == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def _push(self, tag: str, effect: str | None) -> None:
        self.stack.append((tag, effect))
        self.open[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if self.stopped or tag in _VOID or not self.open[tag]:
            return
        while self.stack:
            open_tag, effect = self.stack.pop()
            self.open[open_tag] -= 1
            if self.skipping:
                self.skipping -= effect == "skip"
            else:
                if open_tag == "p":
                    self._paragraph()
                elif open_tag in _BLOCK or effect in ("quote", "pre"):
                    self._flush()
                self.depth -= effect == "quote"
                self.pre -= effect == "pre"
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stopped or self.skipping:
            return
        self.line.append(data if self.pre else _BLANKS.sub(" ", data))


def html_to_text(html: str, *, mark_quotes: bool = False, keep_signature: bool = False) -> str:
    """Visible text of an HTML mail body, one line per block (see the module docstring).

    Without ``mark_quotes`` quoted parts are left out; with it they are kept as lines starting
    with ``"> "`` (one per quote level). Signature blocks are left out unless
    ``keep_signature``. Malformed HTML gives whatever could be read; never raises."""
    parser = _Renderer(mark_quotes, keep_signature)
    try:
        parser.feed(html)
        parser.close()
    except _Stopped:
        pass
    except Exception:  # noqa: BLE001 - malformed HTML gives whatever was read
        pass
    parser._flush()
    text = "\n".join(parser.lines).replace("\xa0", " ")
    text = _INVISIBLE.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
