"""The wheel: built from the source tree, installed into a fresh virtual environment, run from there."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin folder of a fresh venv holding only the built wheel and its dependencies."""
    work = tmp_path_factory.mktemp("package")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT], check=True)
    [wheel] = (work / "dist").glob("followthru-*.whl")
    venv.create(work / "venv", with_pip=True)
    bin_dir = work / "venv" / "bin"
    subprocess.run([bin_dir / "pip", "install", "-q", wheel], check=True)
    return bin_dir


def run(bin_dir: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([bin_dir / "followthru", *map(str, args)], cwd=cwd, capture_output=True, text=True)


def test_wheel_carries_templates_and_example_config(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path, ROOT], check=True)
    [wheel] = tmp_path.glob("followthru-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    templates = sorted(ROOT.joinpath("templates").rglob("*.*"))
    for template in templates:
        assert f"followthru/templates/{template.relative_to(ROOT / 'templates')}" in names
    assert "followthru/config.example.toml" in names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Python: >=3.11" in metadata
    assert all(">=" in line for line in metadata.splitlines() if line.startswith("Requires-Dist:"))


def test_the_installed_cli_works_on_its_own(installed, tmp_path):
    version = run(installed, "--version", cwd=tmp_path)
    assert version.returncode == 0 and "followthru" in version.stdout
    assert run(installed, "init", "ws", cwd=tmp_path).returncode == 0
    assert run(installed, "plan", "new", "--out", "mine.toml", cwd=tmp_path).returncode == 0
    assert run(installed, "plan", "check", "mine.toml", cwd=tmp_path).returncode == 0
    preview = run(
        installed,
        "-c",
        "ws/config.toml",
        "plan",
        "preview",
        ROOT / "examples" / "acme-q4.toml",
        "--out",
        "out",
        cwd=tmp_path,
    )
    assert preview.returncode == 0, preview.stderr
    assert (
        len(list((tmp_path / "out").glob("*.eml"))) == 11
    )  # 3 requests, 2 updates, 2 meetings in 3 copies (languages and timezones)
    where = subprocess.run(
        [installed / "python", "-c", "from followthru.shipped import shipped_path; print(shipped_path('templates'))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent) and (Path(where) / "request.html").is_file()
