"""
The configuration file (SPEC §9.7): ``mesoformula.toml`` or ``[tool.mesoformula]`` in the
working folder or a parent; the command line and the environment win over it;
``mesoformula config`` says where each value comes from. Shell completion.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoformula.cli import main
from mesoformula.cli.config import settings
from mesoformula.config import Config

from .conftest import EXAMPLES

PC = (
    'format = "mesoformula.formulation/1"\nid = "pc"\nname = "PC"\nversion = 1\n'
    'route = "subcutaneous"\nfinal_volume = "60 mL"\n[[components]]\n'
    'product = "phosphatidylcholine-250mg-5ml"\nvolume = "60 mL"\n[administration]\n'
    'volume_per_session = "60 mL"\npoints_per_session = 50\nsessions = 4\ninterval = "8 wk"\n'
)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    assert 3 != code, out.getvalue()
    return code, out.getvalue()


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A clinic folder with a configuration, worked in from a subfolder; no variable of
    the environment set, the process's zone restored afterwards."""
    for variable in (
        "MESOFORMULA_DB",
        "MESOFORMULA_SITE",
        "MESOFORMULA_TZ",
        "MESOFORMULA_NO_CONFIG",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    (tmp_path / "house").mkdir()
    (tmp_path / "house" / "policy.toml").write_text(
        'format = "mesoformula.catalog/1"\n[policy]\nprotocols = ["lipolysis-network"]\n',
        encoding="utf-8",
    )
    (tmp_path / "mesoformula.toml").write_text(
        'catalogs = ["house"]\ndb = "stock/clinic.db"\ntimezone = "Europe/Paris"\n'
        '[pharmacy]\nname = "Pharmacie du Parc"\ntelephone = "+33 4 78 00 00 00"\n',
        encoding="utf-8",
    )
    (tmp_path / "stock").mkdir()
    (tmp_path / "pc.toml").write_text(PC, encoding="utf-8")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    yield tmp_path
    monkeypatch.undo()
    time.tzset()


def settings_of(text: str) -> dict[str, tuple[object, str]]:
    data = json.loads(text)
    assert "mesoformula.config-output/1" == data["format"]
    return {s["name"]: (s["value"], s["source"]) for s in data["settings"]}


class TestConfigFile:
    def test_config_says_what_is_in_force_and_whence(self, clinic: Path) -> None:
        code, text = run("config", "--format", "json")
        assert 0 == code
        found = settings_of(text)
        where = str(clinic / "mesoformula.toml")
        assert ([str(clinic / "house")], where) == found["catalogs"]
        assert (str(clinic / "stock" / "clinic.db"), where) == found["db"]
        assert ("Europe/Paris", where) == found["timezone"]
        assert ("Pharmacie du Parc", where) == found["pharmacy.name"]
        assert (None, "default") == found["pharmacy.address"]
        assert (None, "default") == found["site"]
        _, people = run("config")
        assert f"catalogs            {clinic / 'house'}  ({where})" in people

    def test_the_command_line_and_the_environment_win(
        self, clinic: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MESOFORMULA_DB", str(clinic / "env.db"))
        found = settings_of(run("config", "--format", "json", "--catalog", "x")[1])
        assert (["x"], "command line (--catalog)") == found["catalogs"]
        assert (str(clinic / "env.db"), "environment (MESOFORMULA_DB)") == found["db"]
        found = settings_of(run("config", "--format", "json", "--db", "cli.db")[1])
        assert ("cli.db", "command line (--db)") == found["db"]

    def test_the_file_is_applied(self, clinic: Path) -> None:
        """Its catalogs (here enabling a protocol), its store and its zone are used."""
        code, text = run("validate", str(clinic / "pc.toml"))
        assert 1 == code
        assert "lipolysis-network protocol's absolute maximum" in text
        assert (
            0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--at", "2026-11-25T09:00")[0]
        )
        assert (clinic / "stock" / "clinic.db").is_file()
        _, listed = run("stock", "history")
        assert " CET" in listed  # times shown in the configured zone

    def test_pyproject_table_and_no_config(
        self, clinic: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (clinic / "mesoformula.toml").unlink()
        (clinic / "pyproject.toml").write_text(
            '[project]\nname = "x"\n[tool.mesoformula]\nsite = "north"\n', encoding="utf-8"
        )
        (clinic / "work" / "pyproject.toml").write_text('[project]\nname = "y"\n', encoding="utf-8")
        found = settings_of(run("config", "--format", "json")[1])
        assert ("north", str(clinic / "pyproject.toml")) == found["site"]
        monkeypatch.setenv("MESOFORMULA_NO_CONFIG", "1")
        assert (None, "default") == settings_of(run("config", "--format", "json")[1])["site"]

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ('dbb = "x"\n', "unknown key(s) 'dbb' (known: catalogs, db, site, timezone, pharmacy)"),
            ("catalogs = 'house'\n", "'catalogs' is a list of folder or file paths"),
            ("db = 3\n", "'db' is a file path or a postgresql:// URL (got 3)"),
            ("[pharmacy]\nfax = '1'\n", "unknown key(s) 'fax' in [pharmacy]"),
            ("site = \n", "not valid TOML"),
            ('timezone = "Mars/Olympus"\n', "timezone='Mars/Olympus' is no time zone"),
        ],
    )
    def test_a_bad_file_is_a_clear_usage_error(
        self, clinic: Path, text: str, says: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        (clinic / "mesoformula.toml").write_text(text, encoding="utf-8")
        code, out = run("validate", str(clinic / "pc.toml"), "--format", "json")
        assert 2 == code
        assert says in capsys.readouterr().err
        assert "mesoformula.refusal/1" == json.loads(out)["format"]


@given(command_line=st.booleans(), environment=st.booleans(), in_file=st.booleans())
def test_the_nearest_source_wins(command_line: bool, environment: bool, in_file: bool) -> None:
    """Property: a setting comes from the command line if given there, else from the
    environment, else from the file, else the default."""
    args = argparse.Namespace(
        catalog=[], db=None, site=None, given={"db": "cli.db" if command_line else None}
    )
    config = Config(path=Path("/c/mesoformula.toml"), db="/c/file.db" if in_file else None)
    saved = os.environ.pop("MESOFORMULA_DB", None)
    try:
        if environment:
            os.environ["MESOFORMULA_DB"] = "env.db"
        (db,) = [s for s in settings(args, config) if s.name == "db"]
    finally:
        os.environ.pop("MESOFORMULA_DB", None)
        if saved is not None:
            os.environ["MESOFORMULA_DB"] = saved
    expected = (
        ("cli.db", "command line (--db)")
        if command_line
        else ("env.db", "environment (MESOFORMULA_DB)")
        if environment
        else ("/c/file.db", "/c/mesoformula.toml")
        if in_file
        else ("mesoformula.db", "default")
    )
    assert expected == (db.value, db.source)


def _shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: .ci/run installs it")
        pytest.skip(f"{name} is not installed")
    return found


def _script(shell: str, tmp_path: Path) -> Path:
    code, text = run("completion", shell)
    assert 0 == code
    path = tmp_path / f"mesoformula.{shell}"
    path.write_text(text, encoding="utf-8")
    return path


class TestCompletion:
    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ("mesoformula st", {"stock"}),
            ("mesoformula stock co", {"consume", "count"}),
            ("mesoformula tr", {"trace"}),
            ("mesoformula validate --for", {"--format"}),
        ],
    )
    def test_bash(self, tmp_path: Path, line: str, expected: set[str]) -> None:
        script = _script("bash", tmp_path)
        words = line.split(" ")
        program = (
            f"source {script}; COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}; "
            f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; _shtab_mesoformula; '
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        shown = subprocess.run(
            [_shell("bash"), "-c", program], capture_output=True, text=True, check=True
        ).stdout
        assert expected == {w.strip() for w in shown.split()}

    def test_fish(self, tmp_path: Path) -> None:
        script = _script("fish", tmp_path)
        program = f'source {script}; complete -C"mesoformula stock co"'
        shown = subprocess.run(
            [_shell("fish"), "-c", program], capture_output=True, text=True, check=True
        ).stdout
        assert {"consume", "count"} == {line.split("\t")[0] for line in shown.splitlines()}

    def test_zsh_script_is_valid(self, tmp_path: Path) -> None:
        script = _script("zsh", tmp_path)
        subprocess.run([_shell("zsh"), "-n", str(script)], check=True)
        assert "#compdef mesoformula" in script.read_text(encoding="utf-8")

    def test_an_unknown_shell_is_a_usage_error(self) -> None:
        assert 2 == run("completion", "powershell")[0]


@pytest.mark.clock("2026-12-01T12:00Z")
def test_the_configured_pharmacy_is_on_the_label(clinic: Path) -> None:
    """The label names the pharmacy of the configuration; the command line wins."""
    hair = str(EXAMPLES / "hair-revitalizing.toml")
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--at", "2026-11-25T09:00")[0]
    assert 0 == run("stock", "consume", hair, "--batch-id", "B", "--at", "2026-12-01T10:00")[0]
    code, label = run("record", "label", "--batch-id", "B")
    assert 0 == code
    assert "Pharmacie du Parc" in label
    assert "+33 4 78 00 00 00" in label
    _, label = run("record", "label", "--batch-id", "B", "--pharmacy-name", "Other")
    assert "Other" in label
    assert "Pharmacie du Parc" not in label
