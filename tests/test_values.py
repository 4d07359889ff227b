"""``followthru.values``: the everyday-address check gives email-validator's answers without loading it."""

from __future__ import annotations

import subprocess
import sys

import email_validator
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from followthru.values import ROLE_MAILBOXES, email_address, plain_address


def library(value: str) -> str | None:
    try:
        return email_validator.validate_email(value, check_deliverability=False, test_environment=True).ascii_email
    except email_validator.EmailNotValidError:
        return None


# Mostly near-everyday parts (dots and hyphens in odd places, lengths at the limits), some wild ones.
LOCAL = st.one_of(
    st.from_regex(r"[a-zA-Z0-9_+.-]{1,66}", fullmatch=True),
    st.text("aZ09._+-!#'~", min_size=1, max_size=70),
    st.sampled_from(["WWW", "Abuse", "PostMaster", "info"]),
)
LABEL = st.one_of(
    st.from_regex(r"[a-zA-Z0-9-]{1,64}", fullmatch=True),
    st.sampled_from(["xn--bcher-kva", "ab--cd", "Example", "localhost", "localdomain", "co", "c0m", "q"]),
)
TOP = st.one_of(
    st.from_regex(r"[a-zA-Z]{1,8}[0-9]?", fullmatch=True),
    st.sampled_from([*email_validator.SPECIAL_USE_DOMAIN_NAMES, "COM", "org", "museum", "x" * 64]),
)
ADDRESS = st.builds(
    lambda local, labels, top: f"{local}@{'.'.join([*labels, top])}",
    LOCAL,
    st.lists(LABEL, min_size=0, max_size=4),
    TOP,
)


@settings(max_examples=3000, deadline=None)
@given(ADDRESS)
@example("WWW@Example.COM")  # email-validator lowercases RFC 2142's mailbox names
@example("Abuse@example.com")
def test_an_address_the_quick_check_answers_gets_the_libraries_answer(value):
    quick = plain_address(value)
    if quick is not None:
        assert quick == library(value)


@pytest.mark.parametrize(
    "value",
    [
        "sam@example.com",
        "Sam.Smith@Example.COM",
        "a+b_c-d@x-y.example.org",
        "followthru@localhost.localdomain",
        "-@a.bc",
    ],
)
def test_everyday_addresses_are_answered_without_the_library(value):
    assert plain_address(value) == library(value) is not None


@pytest.mark.parametrize("top", email_validator.SPECIAL_USE_DOMAIN_NAMES)
def test_every_name_the_library_reserves_is_left_to_it(top):
    """A name a newer email-validator reserves fails here until the quick check leaves it to the library."""
    assert plain_address(f"sam@mail.{top}") is None


@pytest.mark.parametrize(
    "value",
    [
        "sam@ab--cd.com",
        "sam@xn--bcher-kva.example",
        "j\u00f6rg@example.com",
        "sam@example",
        "sam@example.c0m",
        "sam..smith@example.com",
        "a" * 65 + "@b.co",
    ],
)
def test_the_unusual_is_left_to_the_library(value):
    assert plain_address(value) is None


def test_a_non_ascii_local_part_is_still_refused_in_words():
    with pytest.raises(ValueError, match="non-ASCII letters before the @"):
        email_address("j\u00f6rg@example.com")


def test_the_role_mailboxes_are_email_validators():
    from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

    assert set(CASE_INSENSITIVE_MAILBOX_NAMES) == ROLE_MAILBOXES


def test_checking_an_everyday_address_loads_no_email_validator():
    probe = (
        "import sys\nfrom followthru.values import email_address\n"
        "assert email_address('Sam@Example.COM') == 'Sam@example.com'\nprint('email_validator' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"


def folded_by_hand(value: str) -> str:
    """one_line as it was first written: every break and control character a space, runs of white
    space one space, none at the ends."""
    import re

    return " ".join(re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]", " ", value).split())


@settings(max_examples=3000, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",))) | st.text(st.sampled_from(" \t\r\n\x85\u2028\xa0\u3000ab")))
@example("Riley Rep via Followthru")
@example(" a")
@example("a ")
@example("a  b")
@example("a\u00a0b")
@example("a\u2003b")
def test_one_line_gives_back_text_already_on_one_line(text):
    from followthru.values import one_line

    assert one_line(text) == folded_by_hand(text)
