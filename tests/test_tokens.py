from followthru.tokens import make_token, plus_address, token_key, verify_token

SECRET = b"a-secret-of-enough-length"


def test_token_round_trip_and_shape():
    token = make_token(SECRET, "acme-q4", "sam")
    assert len(token) == 20 and token.isalnum() and token == token.lower()
    assert verify_token(SECRET, token) == token_key("acme-q4", "sam")
    assert verify_token(SECRET, token.upper()) == token_key("acme-q4", "sam")  # mail may change case


def test_altered_or_foreign_tokens_fail():
    token = make_token(SECRET, "acme-q4", "sam")
    assert verify_token(b"another-secret-entirely", token) is None
    altered = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert verify_token(SECRET, altered) is None
    swapped = token_key("acme-q4", "lee") + token[10:]
    assert verify_token(SECRET, swapped) is None
    assert verify_token(SECRET, "short") is None


def test_plus_address_keeps_local_part_short():
    address = plus_address("followthru@example.com", make_token(SECRET, "a" * 40, "b" * 40))
    local = address.split("@")[0]
    assert local.startswith("followthru+") and len(local) <= 64
    assert plus_address("ft+old@example.com", "tok") == "ft+tok@example.com"


def test_b32_is_the_start_of_the_whole_digest_in_base32():
    """b32 encodes only the bytes its characters come from: the same text as encoding the whole digest."""
    import base64
    import hashlib

    from followthru.tokens import b32

    for n in range(50):
        digest = hashlib.sha256(str(n).encode()).digest()
        for length in range(57):
            assert b32(digest, length) == base64.b32encode(digest).decode("ascii").lower()[:length]
    assert token_key("acme-q4", "sam") == "4rg3x3dl5g"  # as stored in every store made so far
