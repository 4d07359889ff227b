"""The reply reader's vocabulary files (daemon/followthru/replies/vocabulary/<code>.toml): every
language covers every category English has, a broken file is reported with its name and the
key, the languages are the files present, and greetings are found by their shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from followthru.replies import intent_lexicon as lx
from followthru.replies.classify import classify
from followthru.replies.classify.cleaning import greeting_end
from followthru.replies.classify.words import reader_words

FOLDER = lx.VOCABULARY_DIR
FILES = sorted(FOLDER.glob("*.toml"))
ENGLISH = lx.load_language(FOLDER / "en.toml")


def test_the_languages_are_the_files_present():
    assert set(lx.languages()) == {path.stem for path in FILES}
    assert lx.languages()[0] == "en"
    assert len(lx.languages()) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_language_file_covers_every_category(path):
    lang = lx.load_language(path)
    for table in lx.TABLES:
        english, own = getattr(ENGLISH, table), getattr(lang, table)
        assert set(own) == set(english), f"{path.name} [{table}]: {set(own) ^ set(english)}"
        empty = [key for key, words in english.items() if words and not own[key]
                 and not lx.may_be_empty(table, key)]
        assert not empty, f"{path.name} [{table}] has nothing for {', '.join(empty)}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_phrase_compiles(path):
    lang = lx.load_language(path)
    for category, phrases in lang.phrases.items():
        for phrase in phrases:
            lx._compile([phrase])   # raises re.error on a broken fragment


def test_the_whole_vocabulary_compiles():
    assert reader_words() is reader_words()   # built once per process
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
    path.write_text(text[:start + 1] + text[end:], encoding="utf-8")
    with pytest.raises(lx.VocabularyError, match=r"de\.toml: phrases\.hedge_weak is missing"):
        lx.load_all(folder)


def test_an_empty_category_names_the_file_and_the_key(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "fr.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nregret = [")
    end = text.index("]\n", start) + 2
    path.write_text(text[:start + 1] + "regret = []\n" + text[end:], encoding="utf-8")
    with pytest.raises(lx.VocabularyError, match=r"fr\.toml: phrases\.regret is empty"):
        lx.load_all(folder)


def test_a_malformed_category_names_the_file_and_the_key(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "it.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nnegator = [")
    end = text.index("]\n", start) + 2
    path.write_text(text[:start + 1] + 'negator = "non"\n' + text[end:], encoding="utf-8")
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


def test_a_new_language_is_a_new_file(tmp_path):
    folder = _copy(tmp_path)
    text = (folder / "de.toml").read_text(encoding="utf-8")
    (folder / "xx.toml").write_text(text.replace('name = "German"', 'name = "Test"')
                                    .replace("order = 2", "order = 99"), encoding="utf-8")
    found = lx.load_all(folder)
    assert list(found)[-1] == "xx" and list(found)[0] == "en"


# --- greetings by shape, not by name ----------------------------------------------------------------

@pytest.mark.parametrize("text, greeting", [
    ("Hi Morgan,\nyes, count me in.", "Hi Morgan"),
    ("Dear Dr. Schmidt, happy to help.", "Dear Dr. Schmidt"),
    ("Hallo Frau Weber - ja, mache ich.", "Hallo Frau Weber"),
    ("Bonjour Anne-Sophie Martin,\noui.", "Bonjour Anne-Sophie Martin"),
    ("Hola Ana, sí.", "Hola Ana"),
    ("Hi all, the questionnaire is fine.", "Hi"),
    ("Yes, count me in.", ""),
])
def test_the_opening_greeting_is_found_by_its_shape(text, greeting):
    assert text[:greeting_end(text)] == greeting


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
