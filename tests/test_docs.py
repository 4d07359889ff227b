"""The documentation a newcomer reads: a short README, pages in docs/ that link to files that exist,
and generated references that match the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from followthru import reference
from followthru.config import Config
from followthru.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_LIMIT = 15_000
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
QUICKSTART = (
    "```sh\npip install . && followthru init --try-out ws && followthru plan new --out "
    "ws/plans/incoming/first-plan.toml && followthru -c ws/config.toml run\n```"
)


def pages() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def prose(text: str) -> str:
    """``text`` without its fenced code blocks, where brackets are code, not links."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``path``: lowercase, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#{1,6} +(.+?) *$", prose(path.read_text(encoding="utf-8")), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", sorted(reference.FILES))
def test_the_generated_references_are_up_to_date(name):
    written = DOCS / "reference" / name
    assert written.exists(), f"docs/reference/{name} is missing: run `{reference.COMMAND}`"
    assert written.read_text(encoding="utf-8") == reference.pages()[name], (
        f"docs/reference/{name} differs from what the code gives now: run `{reference.COMMAND}` and commit it"
    )


def test_the_generator_writes_every_page(tmp_path):
    assert reference.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(reference.FILES)
    for name, text in reference.pages().items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text


def _table_rows(text: str, heading: str) -> dict[str, list[str]]:
    """The rows of the table under ``## heading``, by their first cell without backticks."""
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


def _config_sections():
    return list(reference._sections(Config))


@pytest.mark.parametrize("path,model", _config_sections(), ids=[p for p, _ in _config_sections()])
def test_every_config_key_has_a_described_row(path, model):
    rows = _table_rows(reference.config_reference(), f"`[{path}]`")
    assert set(rows) == set(model.model_fields) - {
        name for name, info in model.model_fields.items() if reference._model_of(info.annotation)
    }
    for name, (_, kind, default, text) in rows.items():
        assert kind and default, f"{path}.{name}: no type or default"
        assert text, (
            f"{path}.{name} has no description: give the field one (Field(description=...)) or add "
            f"'{model.__name__}.{name}' to DESCRIPTIONS in daemon/followthru/reference.py"
        )


PLAN_SECTIONS = [(name, info) for name, info in Plan.model_fields.items()]


@pytest.mark.parametrize("name,info", PLAN_SECTIONS, ids=[name for name, _ in PLAN_SECTIONS])
def test_every_plan_field_has_a_described_row(name, info):
    model = reference._model_of(info.annotation) or reference._list_model(info.annotation)
    written = f"`[{name}]`" if reference._model_of(info.annotation) else f"`[[{name}]]`"
    rows = _table_rows(reference.plan_reference(), written)
    assert set(rows) == set(model.model_fields)
    for field, (_, kind, default, text) in rows.items():
        assert kind and default, f"{name}.{field}: no type or default"
        assert text, (
            f"{name}.{field} has no description: give the field one (Field(description=...)) or add "
            f"'{model.__name__}.{field}' to DESCRIPTIONS in daemon/followthru/reference.py"
        )


def test_the_references_show_types_ranges_and_defaults():
    config = reference.config_reference()
    assert "| `poll_seconds` | seconds, from 0.1 seconds to 1 hour | `5.0` |" in config
    assert '| `send_from` | time of day, `"HH:MM"` | `"08:30"` |' in config
    assert (
        '| `before_due` | duration in quotes (`"4h"`, `"1bd"`), from 1 minute to 90 days, or 1bd to 60bd '
        '| `"1bd"` |' in config
    )
    assert "`root`" not in config  # set by the loader, refused in a file
    plan = reference.plan_reference()
    assert "| `resources` | `[[resources]]` | 1 to 500 |" in plan
    assert "| `title` | one line of text, 1 to 200 characters | required |" in plan
    assert '| `duration` | duration (`30m`, `1h30m`, `PT45M`, or whole minutes) | `"30m"` |' in plan
    assert "| `count` | whole number, 1 to 500 | none |" in plan


def test_the_readme_is_short():
    size = len(README.read_text(encoding="utf-8"))
    assert size <= README_LIMIT, f"README.md has {size:,} characters, more than {README_LIMIT:,}: move detail to docs/"


def test_the_readme_keeps_its_quickstart():
    text = README.read_text(encoding="utf-8")
    assert QUICKSTART in text
    assert "```sh\n.ci/run\n```" in text


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_an_existing_file(page):
    broken = []
    for target in links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with the anchor #{anchor}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_readme_and_the_index_link_every_page():
    pages_in_docs = {p.resolve() for p in DOCS.rglob("*.md")}
    for index in (README, DOCS / "README.md"):
        linked = {(index.parent / target.partition("#")[0]).resolve() for target in links(index)}
        missing = sorted(str(p.relative_to(ROOT)) for p in pages_in_docs - linked - {index.resolve()})
        assert not missing, f"{index.relative_to(ROOT)} does not link {', '.join(missing)}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_names_the_old_design_file(page):
    text = page.read_text(encoding="utf-8")
    assert "DESIGN.md" not in text, f"{page.relative_to(ROOT)}: the design is docs/design.md"


def test_the_design_names_every_module_of_the_package():
    design = (DOCS / "design.md").read_text(encoding="utf-8")
    package = ROOT / "daemon" / "followthru"
    modules = [p.relative_to(package).as_posix() for p in package.glob("*.py") if p.name != "__init__.py"]
    modules += [p.name + "/" for p in package.iterdir() if (p / "__init__.py").exists()]
    missing = [m for m in sorted(modules) if f"`{m}`" not in design]
    assert not missing, f"docs/design.md does not describe {', '.join(missing)}"


def test_the_commands_page_lists_every_command():
    from followthru.cli import main

    commands = (DOCS / "commands.md").read_text(encoding="utf-8")
    groups = ("plan", "store")
    names = [name for name in main.commands if name not in groups]
    names += [f"{group} {name}" for group in groups for name in main.commands[group].commands]
    missing = [name for name in names if not re.search(rf"followthru (\[?-c CONFIG\]? )?{name}\b", commands)]
    assert not missing, f"docs/commands.md does not list {', '.join(missing)}"


def test_nothing_in_the_project_refers_to_files_outside_it():
    """Code, templates, tests, benches and examples name the project's own docs, never a design file
    kept elsewhere or a README section that moved to docs/."""
    own = Path(__file__).resolve()
    places = [ROOT / "config.example.toml", *(ROOT / "systemd").glob("*")]
    for folder in ("daemon", "templates", "tests", "bench", "examples"):
        places += [
            p
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and p.suffix in (".py", ".md", ".txt", ".html", ".toml")
        ]
    found = [
        f"{p.relative_to(ROOT)}: {word}"
        for p in places
        if p.resolve() != own
        for word in ("DESIGN.md", "in the README", "README: ", "README, ")
        if word in p.read_text(encoding="utf-8", errors="replace")
    ]
    assert not found, found
