"""The table of backends: a backend's libraries are loaded only when a workspace uses it, and a
workspace naming a backend whose pip extra is not installed is told so in one line.

Each check runs in a new interpreter, where ``sys.modules`` shows what was really imported and a
library can be hidden (``sys.modules[name] = None`` makes importing it fail, as when it is not
installed) without touching the environment the tests run in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from followthru import backends
from followthru.config import init_workspace

DAEMON = Path(__file__).resolve().parents[2] / "daemon"
VENDOR = ("exchangelib", "googleapiclient", "google_auth_oauthlib", "httplib2", "msal", "requests", "imapclient")


def probe(code: str, hide: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter with the libraries in ``hide`` made impossible to import."""
    blocked = "".join(f"sys.modules[{name!r}] = None\n" for name in hide)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(DAEMON), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-c", "import sys\n" + blocked + code], capture_output=True, text=True, timeout=120, env=env
    )


def loaded_after(*args: str) -> set[str]:
    """The top-level packages in sys.modules after the command line ran with ``args``."""
    result = probe(
        "from followthru.cli import main\n"
        "try:\n"
        f"    main({list(args)!r}, standalone_mode=False)\n"
        "finally:\n"
        "    print('\\0' + ' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.rpartition("\0")[2].split())


def workspace(root: Path, mail: str = "maildir", calendar: str = "imip", **sections: dict) -> Path:
    path = init_workspace(root)
    data = tomllib.loads(path.read_text())
    data["mail"]["backend"] = mail
    data["calendar"]["backend"] = calendar
    data.update(sections)
    path.write_text(tomli_w.dumps(data))
    return path


def test_a_maildir_tick_loads_no_vendor_library(tmp_path):
    config = workspace(tmp_path / "ws")
    assert loaded_after("-c", str(config), "tick") & set(VENDOR) == set()


def test_help_loads_no_vendor_library():
    assert loaded_after("--help") & set(VENDOR) == set()


def test_every_backend_names_a_module_an_opener_and_the_extra_for_its_libraries():
    import importlib.util

    for table in (backends.MAIL, backends.CALENDAR):
        for name, backend in table.items():
            assert importlib.util.find_spec(backend.module) is not None, name
            assert (backend.extra is None) == (name in ("maildir", "smtp-imap")), name
    assert set(backends.CALENDAR) == {"exchange", "google", "graph"}  # imip goes through the mail backend


EXCHANGE = {
    "exchange": {
        "service_endpoint": "https://mail.example.com/EWS/Exchange.asmx",
        "auth": "ntlm",
        "username": "CORP\\svc",
        "password_env": "TEST_EXCHANGE_PASSWORD",
    }
}
GRAPH = {
    "graph": {
        "auth": "app",
        "tenant_id": "contoso.onmicrosoft.com",
        "client_id": "00000000-0000-0000-0000-000000000001",
        "client_secret_env": "TEST_GRAPH_SECRET",
    }
}


@pytest.mark.parametrize("command", [["tick"], ["run"]])
def test_a_backend_without_its_extra_is_one_line_with_the_pip_command(tmp_path, command):
    config = workspace(tmp_path / "ws", mail="exchange", **EXCHANGE)
    result = probe(
        f"from followthru.cli import main\nmain(['-c', {str(config)!r}, *{command!r}])", hide=("exchangelib",)
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "mail.backend \"exchange\" needs exchangelib: pip install 'followthru[exchange]'"
    ]


def test_a_calendar_backend_without_its_extra_names_the_calendar_key(tmp_path):
    config = workspace(tmp_path / "ws", calendar="graph", **GRAPH)
    result = probe(f"from followthru.cli import main\nmain(['-c', {str(config)!r}, 'tick'])", hide=("msal",))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "calendar.backend \"graph\" needs msal: pip install 'followthru[graph]'"


def test_doctor_names_the_missing_extra_on_the_backend_line(tmp_path):
    config = workspace(
        tmp_path / "ws",
        mail="google",
        calendar="google",
        google={"auth": "service-account", "service_account_file": "key.json"},
    )
    result = probe(
        f"from followthru.cli import main\nmain(['-c', {str(config)!r}, 'doctor'])", hide=("googleapiclient",)
    )
    assert result.returncode == 1, result.stderr
    [line] = [line for line in result.stdout.splitlines() if " google " in line]
    assert line.split()[:2] == ["FAIL", "google"]
    assert line.endswith("mail.backend \"google\" needs googleapiclient: pip install 'followthru[google]'")
    assert "Traceback" not in result.stdout + result.stderr


def test_signing_in_without_the_extra_names_the_pip_command(tmp_path):
    config = workspace(tmp_path / "ws", mail="exchange", **EXCHANGE)
    result = probe(
        f"from followthru.cli import main\nmain(['-c', {str(config)!r}, 'auth', 'microsoft'])", hide=("exchangelib",)
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "followthru auth microsoft needs exchangelib: pip install 'followthru[exchange]'"
