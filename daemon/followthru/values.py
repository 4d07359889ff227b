"""The kinds of value plan and config files hold, each with the range a rep or an operator could mean.

Shared by both schemas: addresses, one-line texts, time zones and language codes. For the config:
seconds, ports, durations and domains. A value of the wrong type is refused, never converted:
``"yes"`` is not a boolean and ``"5"`` is not a number, so a typo cannot become a setting nobody chose.
Every refusal is one sentence that names the allowed range; :func:`followthru.config.load_config`
puts the file, line and key before it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, StringConstraints

from followthru.datafile import shown
from followthru.durations import Offset, TooLong, parse_duration


def one_line(value: Any) -> Any:
    """Fold line breaks and other control characters to single spaces: these fields reach headers."""
    if isinstance(value, str):
        if is_one_line(value):
            return value
        return " ".join(_BREAKS.sub(" ", value).split())
    return value


_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


def is_one_line(text: str) -> bool:
    """Whether ``one_line`` would give ``text`` back as it is: printable (no control character, and
    no white space but the ASCII space) with no space at either end or twice in a row."""
    return text.isprintable() and "  " not in text and not text.startswith(" ") and not text.endswith(" ")


# The everyday address: ASCII letters, digits and ``._+-`` before the @, host names of letters, digits
# and hyphens after it, ending in a name of letters. email-validator's answer for these is the address
# with its domain in lowercase, which is what plain_address gives without loading email-validator: its
# import compiles Unicode tables for 12 ms, a tenth of what `plan check` and `status` may take. Whatever
# does not match, or might be special to email-validator (reserved top-level names, ``xn--`` and other
# labels with ``--`` in third and fourth place, lengths past its limits, the role mailboxes it writes
# in lowercase), is left to email-validator.
# A property test holds the two to the same answers.
_PLAIN = re.compile(
    r"([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63})"
)
_RESERVED = {"arpa", "invalid", "local", "localhost", "onion", "test"}
# RFC 2142's mailbox names, which email-validator lowercases (a test holds this to its list).
ROLE_MAILBOXES = frozenset(
    "info marketing sales support abuse noc security postmaster hostmaster usenet news webmaster www uucp ftp".split()
)


def plain_address(value: str) -> str | None:
    """``value`` as email-validator normalises it, when it is an everyday address; None for any other."""
    found = _PLAIN.fullmatch(value)
    if found is None or len(value) > 254 or len(found.group(1)) > 64:
        return None
    if found.group(1).lower() in ROLE_MAILBOXES:
        return None  # email-validator writes these in lowercase: its answer
    domain = found.group(2).lower()
    if domain.rpartition(".")[2] in _RESERVED or any(label[2:4] == "--" for label in domain.split(".")):
        return None
    return f"{found.group(1)}@{domain}"


def email_address(value: str) -> str:
    """The address, normalised, with an internationalised domain in its ASCII form (``xn--``):
    mail goes out with ASCII headers, so a non-ASCII local part (``jörg@``) is refused here
    rather than failing on every send."""
    plain = plain_address(value)
    if plain is not None:
        return plain
    # Imported for the first address that is not an everyday one, not when the module is.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise ValueError(f"{shown(value)} is not a valid email address: {error}") from None
    except Exception:  # noqa: BLE001 - whatever else the validator trips on is no address either
        raise ValueError(f"{shown(value)} is not a valid email address") from None
    if not checked.ascii_email:
        raise ValueError(
            f"{shown(value)} has non-ASCII letters before the @, which Followthru cannot send to; "
            "use the person's ASCII address"
        )
    return checked.ascii_email


def _timezone(value: str) -> str:
    try:
        if len(value) > 64:  # the longest IANA name has 32 characters; ZoneInfo would ask the disk
            raise ValueError
        ZoneInfo(value)
    except Exception:  # noqa: BLE001 - not found, not a name, or not a file name (OSError)
        raise ValueError(f"{shown(value)} is not a known IANA timezone (like 'Europe/Paris')") from None
    return value


def _language(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", value):
        raise ValueError(f"{shown(value)} is not a language code (like 'en', 'de' or 'pt-BR')")
    return value


Line = Annotated[str, BeforeValidator(one_line), StringConstraints(min_length=1, max_length=200)]
OptionalLine = Annotated[str, BeforeValidator(one_line), StringConstraints(max_length=200)]
Email = Annotated[str, BeforeValidator(one_line), StringConstraints(max_length=254), AfterValidator(email_address)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
Language = Annotated[str, AfterValidator(_language)]


MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
_UNITS = ((DAY, "day"), (HOUR, "hour"), (MINUTE, "minute"), (1.0, "second"))
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def span(seconds: float) -> str:
    """``86400`` -> ``"1 day"``, ``600`` -> ``"10 minutes"``, ``0.5`` -> ``"0.5 seconds"``."""
    for size, name in _UNITS:
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {name}{'s' if count != 1 else ''}"
    return f"{seconds:g} seconds"


def _number(value: Any, example: str) -> float:
    """An int or float as TOML wrote it; text and booleans (a bool is an int in Python) are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{shown(value, 40)} is not a number; write it without quotes, like {example}")
    return value


def seconds(low: float, high: float, *, above: bool = False) -> BeforeValidator:
    """For a ``float`` key: a number of seconds from ``low`` (more than ``low`` when ``above``) to ``high``, as a float.

    ``above`` is for intervals where any positive value works (tests poll every millisecond).
    """
    bounds = (
        f"more than {span(low) if low else '0'} and at most {span(high)}"
        if above
        else f"from {span(low)} to {span(high)}"
    )

    def check(value: Any) -> float:
        number = _number(value, "30")
        if not ((number > low) if above else (number >= low)) or not number <= high:  # NaN fails too
            raise ValueError(f"must be {bounds} (in seconds), not {number:g}")
        return float(number)

    return BeforeValidator(check)


def whole(low: int, high: int, example: int) -> BeforeValidator:
    """For an ``int`` key: a whole number from ``low`` to ``high``; ``"587"`` and ``587.0`` are refused."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{shown(value, 40)} is not a whole number; write it without quotes, like {example}")
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high}, not {value}")
        return value

    return BeforeValidator(check)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{shown(value, 40)} is not true or false; write true or false, without quotes")
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]


def listed(example: str) -> BeforeValidator:
    """For a list key: a single value is refused with how to write the list (``example``)."""

    def check(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValueError(f"{shown(value, 40)} is not a list; write it in brackets, like {example}")
        return value

    return BeforeValidator(check)


def duration(low: timedelta, high: timedelta) -> BeforeValidator:
    """For a ``timedelta`` key: a clock duration written as text (``"2d"``, ``"90m"``) from ``low`` to ``high``.

    A bare number is refused: ``retry_for = 2`` could mean minutes, hours or days.
    """
    bounds = f"from {span(low.total_seconds())} to {span(high.total_seconds())}"

    def check(value: Any) -> timedelta:
        if not isinstance(value, str):
            raise ValueError(f"{shown(value, 40)} is not a duration; write it in quotes, like '2d' or '90m'")
        try:
            length = parse_duration(value)
        except TooLong:
            length = timedelta.max
        if not low <= length <= high:
            raise ValueError(f"must be {bounds}, not {shown(value, 40)}")
        return length

    return BeforeValidator(check)


def offset(low: timedelta, high: timedelta, most_business_days: int) -> BeforeValidator:
    """For an :class:`Offset` key: a clock duration from ``low`` to ``high``, or 1 to ``most_business_days``
    business days (``"1bd"``)."""
    bounds = f"from {span(low.total_seconds())} to {span(high.total_seconds())}, or 1bd to {most_business_days}bd"

    def check(value: Any) -> Offset:
        if not isinstance(value, str):
            raise ValueError(f"{shown(value, 40)} is not a duration; write it in quotes, like '4h' or '1bd'")
        try:
            parsed = Offset.parse(value)
        except TooLong:
            parsed = Offset(business_days=most_business_days + 1)
        inside = parsed.business_days <= most_business_days if parsed.business_days else low <= parsed.clock <= high
        if not inside:
            raise ValueError(f"must be {bounds}, not {shown(value, 40)}")
        return parsed

    return BeforeValidator(check)


def _domain(value: Any) -> str:
    """A domain name in lowercase ASCII (an internationalised one in its ``xn--`` form)."""
    example = "write it like 'acme.example'"
    if not isinstance(value, str) or not value.strip() or len(value) > 253:
        raise ValueError(f"{shown(value, 40)} is not a domain name; {example}")
    text = value.strip().removesuffix(".")
    if "@" in text:
        raise ValueError(f"{shown(value, 40)}: write the domain alone, without '@'; {example}")
    if text.startswith("*."):
        raise ValueError(f"{shown(value, 40)}: subdomains are always allowed with their domain; {example}")
    # email-validator's dependency: domains are read by the same IDNA 2008 rules as addresses. Imported
    # here, for a config that names domains, not by every command that loads a config.
    import idna

    try:
        ascii_name = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise ValueError(f"{shown(value, 40)} is not a domain name; {example}") from None
    if not all(_LABEL.fullmatch(label) for label in ascii_name.split(".")):
        raise ValueError(f"{shown(value, 40)} is not a domain name; {example}")
    return ascii_name


Domain = Annotated[str, BeforeValidator(_domain)]
