"""The reply reader's vocabulary files (daemon/followthru/replies/vocabulary/<code>.toml): every
table a file has covers every category English has in it, a broken file is reported with its
name and the key, the languages are the files present, and greetings are found by their shape."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from followthru.replies import intent_lexicon as lx
from followthru.replies.classify import classify
from followthru.replies.classify.cleaning import greeting_end
from followthru.replies.classify.words import reader_words
from followthru.replies.date_words import date_words, join_date_words
from followthru.replies.lexicon import join_trimming, trimming

FOLDER = lx.VOCABULARY_DIR
FILES = sorted(FOLDER.glob("*.toml"))
ENGLISH = lx.load_language(FOLDER / "en.toml")


def test_the_languages_are_the_files_present():
    assert set(lx.language_files()) == {path.stem for path in FILES}
    intent = {path.stem for path in FILES if "phrases" in lx.load_language(path).tables}
    assert set(lx.languages()) == intent
    assert lx.languages()[0] == "en"
    assert len(lx.languages()) >= 10
    assert set(date_words().languages) == intent
    trimmed = {path.stem for path in FILES if "trimming" in lx.load_language(path).tables}
    assert len(trimmed) >= 21 and intent <= trimmed


def test_english_has_every_table():
    assert ENGLISH.tables == lx.TABLES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_table_of_a_file_covers_every_category_english_has_in_it(path):
    """The rule: a file need not have every table, but every table it has has the keys of
    English's, each filled where English fills it (except the keys that may stay empty), and a
    language the intent reader reads has all of its tables (the intent and the date words)."""
    lang = lx.load_language(path)
    assert lang.tables, f"{path.name} has no vocabulary"
    reading = [table for table in lx.READING_TABLES if table in lang.tables]
    assert not reading or reading == list(lx.READING_TABLES), f"{path.name}: {reading}"
    for table in lang.tables:
        english, own = getattr(ENGLISH, table), getattr(lang, table)
        assert set(own) == set(english), f"{path.name} [{table}]: {set(own) ^ set(english)}"
        empty = [key for key, words in english.items() if words and not own[key] and not lx.may_be_empty(table, key)]
        assert not empty, f"{path.name} [{table}] has nothing for {', '.join(empty)}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_months_and_weekdays_are_named_once(path):
    lang = lx.load_language(path)
    for table in ("months", "weekdays", "weekday_short", "weekday_prefix"):
        names = [name.lower() for names in getattr(lang, table).values() for name in names]
        assert len(names) == len(set(names)), f"{path.name} [{table}] names a word twice"
    for name in lang.dates.get("ambiguous_months", []):
        assert any(name in names for names in lang.months.values()), f"{path.name}: {name}"


def test_the_trimming_words_compile_once():
    assert trimming() is trimming()
    assert date_words() is date_words()
    for pattern in (trimming().mobile_footer, trimming().scanned, trimming().disclaimer_terms):
        re.compile(pattern)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_phrase_compiles(path):
    lang = lx.load_language(path)
    for category, phrases in lang.phrases.items():
        for phrase in phrases:
            lx._compile([phrase])  # raises re.error on a broken fragment


def test_the_whole_vocabulary_compiles():
    assert reader_words() is reader_words()  # built once per process
    for category in ENGLISH.phrases:
        lx.patterns(category, frozenset(lx.languages()))


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "vocabulary"
    shutil.copytree(FOLDER, folder)
    return folder


def test_a_missing_category_names_the_file_and_the_key(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "de.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nhedge_weak = [")
    end = text.index("]\n", start) + 2
    path.write_text(text[: start + 1] + text[end:], encoding="utf-8")
    with pytest.raises(lx.VocabularyError, match=r"de\.toml: phrases\.hedge_weak is missing"):
        lx.load_all(folder)


def test_an_empty_category_names_the_file_and_the_key(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "fr.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nregret = [")
    end = text.index("]\n", start) + 2
    path.write_text(text[: start + 1] + "regret = []\n" + text[end:], encoding="utf-8")
    with pytest.raises(lx.VocabularyError, match=r"fr\.toml: phrases\.regret is empty"):
        lx.load_all(folder)


def test_a_malformed_category_names_the_file_and_the_key(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "it.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nnegator = [")
    end = text.index("]\n", start) + 2
    path.write_text(text[: start + 1] + 'negator = "non"\n' + text[end:], encoding="utf-8")
    with pytest.raises(lx.VocabularyError, match=r"it\.toml: phrases\.negator must be a list of strings"):
        lx.load_all(folder)


def test_an_unknown_category_and_broken_toml_are_reported(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "nl.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[extra]\n", encoding="utf-8")
    broken = path.read_text(encoding="utf-8").replace("[patterns]", "[patterns]\nfiller = [", 1)
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(lx.VocabularyError, match=r"nl\.toml: not valid TOML"):
        lx.load_all(folder)


def test_a_reading_table_alone_is_reported(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "sv.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[weekday_prefix]")
    end = text.index("[dates]")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(lx.VocabularyError, match=r"sv\.toml: \[weekday_prefix\] is missing"):
        lx.load_all(folder)


def test_a_missing_trimming_key_names_the_file_and_the_key(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "fi.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nscan_virus = [")
    end = text.index("]\n", start) + 2
    path.write_text(text[: start + 1] + text[end:], encoding="utf-8")
    with pytest.raises(lx.VocabularyError, match=r"fi\.toml: trimming\.scan_virus is missing"):
        lx.load_all(folder)


def test_a_language_with_only_trimming_words_is_read_by_the_trimmer_alone(tmp_path):
    folder = _copy(tmp_path)
    (folder / "xx.toml").write_text(
        (folder / "fi.toml")
        .read_text(encoding="utf-8")
        .replace('name = "Finnish"', 'name = "Test"')
        .replace("order = ", "order = 9")
        .replace('"kirjoitti"', '"zqwrote"'),
        encoding="utf-8",
    )
    found = lx.load_all(folder)
    assert found["xx"].tables == ("trimming",) and not found["xx"].reads_intent


def test_a_new_language_s_dates_and_trimming_words_need_no_code(tmp_path):
    folder = _copy(tmp_path)
    text = (folder / "de.toml").read_text(encoding="utf-8")
    text = (
        text.replace('name = "German"', 'name = "Test"')
        .replace("order = 2", "order = 99")
        .replace('december = ["dezember", "dez"]', 'december = ["zorbember"]')
        .replace('friday = ["freitag"]', 'friday = ["zorbtag"]')
        .replace('"schrieb", ', '"zorbschrieb", ')
    )
    (folder / "xx.toml").write_text(text, encoding="utf-8")
    found = lx.load_all(folder)
    dates = join_date_words(lang for lang in found.values() if lang.reads_intent)
    assert "xx" in dates.languages
    assert dates.months["zorbember"] == 12 and dates.weekdays["zorbtag"] == 4
    assert "zorbschrieb" in join_trimming(found.values()).verbs


def test_a_new_language_is_a_new_file(tmp_path):
    folder = _copy(tmp_path)
    text = (folder / "de.toml").read_text(encoding="utf-8")
    (folder / "xx.toml").write_text(
        text.replace('name = "German"', 'name = "Test"').replace("order = 2", "order = 99"), encoding="utf-8"
    )
    found = lx.load_all(folder)
    assert list(found)[-1] == "xx" and list(found)[0] == "en"


# --- greetings by shape, not by name ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, greeting",
    [
        ("Hi Morgan,\nyes, count me in.", "Hi Morgan"),
        ("Dear Dr. Schmidt, happy to help.", "Dear Dr. Schmidt"),
        ("Hallo Frau Weber - ja, mache ich.", "Hallo Frau Weber"),
        ("Bonjour Anne-Sophie Martin,\noui.", "Bonjour Anne-Sophie Martin"),
        ("Hola Ana, sí.", "Hola Ana"),
        ("Hi all, the questionnaire is fine.", "Hi"),
        ("Yes, count me in.", ""),
    ],
)
def test_the_opening_greeting_is_found_by_its_shape(text, greeting):
    assert text[: greeting_end(text)] == greeting


def test_no_personal_name_is_vocabulary():
    names = {"morgan", "riley", "dana", "sam", "priya", "tom", "lukas"}
    for path in FILES:
        lang = lx.load_language(path)
        listed = {w.lower() for words in lang.words.values() for w in words}
        assert not listed & names, f"{path.name}: {listed & names}"


@pytest.mark.parametrize("name", ["Morgan", "Quinlan", "Oyelaran", "Marie-Claire"])
def test_a_greeted_name_is_never_the_task_of_a_partial_answer(name):
    verdict = classify(f"Hi {name} yes, count me in.")
    assert verdict.intent == "accept", verdict
    verdict = classify(f"Dear {name}, the call yes, the questionnaire no.")
    assert verdict.intent == "counter", verdict
