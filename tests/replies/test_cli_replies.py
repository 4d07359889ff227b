"""``followthru classify`` and ``followthru extract``: the reply reader from the command line."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "replies"


def test_classify_json_gives_one_object_per_message(cli):
    result = cli("classify", "--json", DATA)
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert len(lines) == len(list(DATA.glob("*.eml")))
    for line in lines:
        record = json.loads(line)
        assert {"path", "intent", "confidence", "evidence", "proposed_date", "return_date"} <= set(record)
        assert record["intent"] in {
            "accept",
            "decline",
            "tentative",
            "counter",
            "question",
            "auto_reply",
            "bounce",
            "unclear",
        }
        assert 0 <= record["confidence"] <= 1


def test_classify_reads_files_and_folders_in_one_process(cli, tmp_path):
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\x01 not mail")
    result = cli("classify", "--json", DATA / "accept-first-line.eml", junk)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["intent"] == "accept" and second["intent"] == "unclear"
    missing = cli("classify", tmp_path / "nowhere.eml")
    assert missing.exit_code == 1 and "cannot read" in missing.stderr


def test_classify_plain_output_is_readable(cli):
    result = cli("classify", DATA / "accept-first-line.eml")
    assert result.stdout.startswith(f"{DATA / 'accept-first-line.eml'}: accept (1.00)")


def test_extract_prints_only_the_new_words(cli):
    words = cli("extract", DATA / "accept-gmail-quoted.eml").stdout
    assert "count me in" in words
    assert "wrote:" not in words and "DECLINE" not in words and ">" not in words
