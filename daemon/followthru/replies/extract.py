"""The person's own new words in a reply: quoted history, attribution lines, forwarded and
original-message blocks, signatures and mobile footers removed.

:func:`split_reply` works on plain text; :func:`html_to_text` turns an HTML body into plain text
with a real HTML parser, leaving out the parts mail clients use for quotes (``blockquote``,
Gmail's ``gmail_quote``, Outlook's ``divRplyFwdMsg`` and everything after it, ...), so the
result can go through :func:`split_reply` too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_VERBS = (r"wrote|writes|schrieb|a écrit|a ecrit|escribió|escribio|ha scritto|schreef|skrev"
          r"|napisał|escreveu|kirjoitti|написал\(а\)|написал|napsal|írta")
# "On Mon, Nov 30, 2026 at 9:00 AM Riley <ft@example.com> wrote:" (possibly wrapped over lines)
_ATTRIBUTION = re.compile(
    rf"^\s*(on|am|le|el|il|op|em|den|w dniu|dne)\s.{{4,}}\b({_VERBS})\b.*:\s*$", re.I)
# "2016-10-24 15:36 GMT+02:00 Riley <ft@example.com>:", "26.06.2014, 14:41, "Riley" <ft@x>:"
_ATTRIBUTION_DATED = re.compile(
    rf"^(?=.*\d{{1,2}}:\d{{2}}\b)(?=.*(@|\b({_VERBS})\b)).*:\s*$", re.I)
# "Riley via Followthru <ft@example.com> schrieb:"
_ATTRIBUTION_TAIL = re.compile(rf"^.*\b({_VERBS})\s*:\s*$", re.I)
_SEPARATOR = re.compile(
    r"^\W*-{2,}\s*(.*(original|origine|ursprüngliche|forwarded|weitergeleitet|transféré"
    r"|reenviado|inoltrato|doorgestuurd|wrote|schrieb).*?)\s*-{2,}\W*$"
    r"|^\s*(begin forwarded message|anfang der weitergeleiteten nachricht"
    r"|début du message (réexpédié|réenvoyé|transféré)|inicio del mensaje reenviado)\s*:"
    r"|^\s*_{20,}\s*$", re.I)
_HEADER_FROM = re.compile(
    r"^\s*[*_]*(from|von|de|da|van|från|fra|od|от|lähettäjä)\s*[*_]*\s*:\s*\S", re.I)
_HEADER_NEXT = re.compile(
    r"^\s*[*_]*(sent|date|gesendet|datum|envoyé|enviado|fecha|inviato|data|verzonden|skickat"
    r"|sendt|to|an|à|a|para|aan|cc|subject|betreff|objet|asunto|oggetto|onderwerp"
    r"|отправлено|кому|тема|дата)\s*[*_]*\s*:",
    re.I)
_SIGNATURE = re.compile(
    r"^(--\s*|—\s*)$"
    r"|^(sent|envoyé|enviado|inviato|verzonden|gesendet|sendt|skickat)\s+(from|de|depuis|desde|da"
    r"|do|met|vanaf|via|with|using|von|fra|från)\s+.{1,60}$"
    r"|^von meinem .{1,40} gesendet\W*$|^diese nachricht wurde von meinem .*gesendet"
    r"|^get outlook for \w+|^(confidentiality notice|disclaimer)\b"
    r"|^this (e-?mail|message)( and any (files|attachments)[^.]*)? (is|are|may be|may contain"
    r"|contains?) (confidential|privileged|intended)",
    re.I)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u1427]")
_JUNK_LINE = re.compile(r"^[\W_]*$")
_SENTENCE_END = re.compile(r"(\b[^\W\d]{4,}[.!?]+|[!?])$")


def _is_header_block(lines: list[str], index: int) -> bool:
    """An Outlook-style "From: ... / Sent: ... / To: ..." block starts at ``index``."""
    if not _HEADER_FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1:index + 6] if line.strip()][:3]
    return any(_HEADER_NEXT.match(line) for line in following)


def _cut_at(lines: list[str], index: int) -> str | None:
    """Why the reply ends at ``index`` (quote, attribution, signature...), or None."""
    line = lines[index]
    stripped = line.strip()
    if stripped.startswith(">"):
        return "quote"
    if _SEPARATOR.match(line) or _is_header_block(lines, index):
        return "header"
    if _SIGNATURE.match(stripped):
        return "signature"
    window = ""
    for part in lines[index:index + 3]:  # an attribution may be wrapped over up to 3 lines
        if not part.strip() or _SENTENCE_END.search(window):
            break
        window = f"{window} {part.strip()}".strip()
        dated = _ATTRIBUTION_DATED.match(window) and re.search(r"\d", stripped)
        if (_ATTRIBUTION.match(window) or dated) and len(window) < 250:
            return "attribution"
    if _ATTRIBUTION_TAIL.match(stripped):
        later = [part for part in lines[index + 1:] if part.strip()]
        if "@" in stripped or not later or later[0].lstrip().startswith(">"):
            return "attribution"
    return None


def _tidy(lines: list[str]) -> str:
    while lines and _JUNK_LINE.match(lines[-1]):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_reply(text: str) -> tuple[str, str]:
    """``(new words, the rest)``: the rest is what was cut away (quotes, history, signature).

    An inline answer (the reply starts with an attribution line and the person's words are
    interleaved with ``>`` quotes) keeps the unquoted lines.
    """
    text = _ZERO_WIDTH.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")
    cut = next(((i, why) for i in range(len(lines)) if (why := _cut_at(lines, i))), None)
    if cut is None:
        return _tidy(lines), ""
    index, why = cut
    words = _tidy(lines[:index])
    if not words and why in ("attribution", "quote"):
        inline: list[str] = []
        start = next((i for i in range(index, len(lines)) if lines[i].lstrip().startswith(">")),
                     len(lines))
        for i in range(start, len(lines)):
            reason = _cut_at(lines, i)
            if reason == "quote":
                continue
            if reason is not None:
                break
            inline.append(lines[i])
        words = _tidy(inline)
    return words, "\n".join(lines[index:])


def new_words(text: str) -> str:
    """The new words of a plain-text reply (see :func:`split_reply`)."""
    return split_reply(text)[0]


_BLOCK = {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
          "pre", "hr", "section", "article", "header", "footer", "dd", "dt"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}
_HIDDEN = {"script", "style", "head", "title", "blockquote", "template"}
# Class or id of quoted history, signatures and reply headers.
_QUOTE_MARK = re.compile(r"gmail_quote|gmail_signature|yahoo_quoted|moz-cite-prefix"
                         r"|protonmail_quote|zmail_extra|ms-outlook-mobile-signature", re.I)
# Everything from here on is the quoted original (Outlook, Outlook for Mac, Outlook mobile).
_STOP_MARK = re.compile(r"divRplyFwdMsg|appendonsend|OLK_SRC_BODY_SECTION|stopSpelling"
                        r"|mail-editor-reference-message-container", re.I)
_STOP_STYLE = re.compile(r"border-top:\s*solid\s*#(e1e1e1|b5c4df)", re.I)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        if self.skip_depth:
            if tag not in _VOID:
                self.skip_depth += 1
            return
        values = {name: value or "" for name, value in attrs}
        marks = f"{values.get('class', '')} {values.get('id', '')}"
        if _STOP_MARK.search(marks) or _STOP_STYLE.search(values.get("style", "")):
            self.stopped = True
            return
        if tag in _HIDDEN or _QUOTE_MARK.search(marks):
            if tag not in _VOID:
                self.skip_depth = 1
            return
        if tag in _BLOCK:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.stopped and not self.skip_depth and tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.stopped:
            return
        if self.skip_depth:
            if tag not in _VOID:
                self.skip_depth -= 1
            return
        if tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.stopped and not self.skip_depth:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of an HTML mail body without its quoted parts; one line per block."""
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - malformed HTML gives whatever was read
        pass
    text = "".join(parser.out).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
