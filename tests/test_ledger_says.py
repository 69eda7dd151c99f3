"""
The ledger says what happened and trusts nothing it cannot prove (SPEC §9.5): writes
dated in the future, kept heads, undo's words, usable volume, expired boxes, names that
are one person or one site, secrets, file permissions and outputs.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from mesoformula.cli import main
from mesoformula.stock._engine import redact

from .conftest import EXAMPLES

HAIR = str(EXAMPLES / "hair-revitalizing.toml")
LIDOCAINE_GTIN = "05012345678900"  # tests/data/catalog-gtin


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def stocked(db: str) -> None:
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db,
                    "--at", "2026-11-25T09:00")[0]  # fmt: skip


class TestNoWriteInTheFuture:
    """No write is dated more than 24 hours after the clock (2026-12-01T08:00Z here)."""

    def test_a_write_dated_2999_is_a_usage_error(self, location: str) -> None:
        stocked(location)
        head = run("stock", "head", "--db", location)[1]
        code, _ = run("stock", "consume", HAIR, "--batch-id", "B", "--db", location,
                      "--at", "2999-01-01T10:00")  # fmt: skip
        assert 2 == code
        assert head == run("stock", "head", "--db", location)[1]

    def test_a_day_ahead_is_tolerated_and_reads_may_look_ahead(self, location: str) -> None:
        stocked(location)
        assert 0 == run("stock", "plan", HAIR, "--db", location, "--at", "2028-01-01T10:00")[0]
        code, text = run("stock", "consume", HAIR, "--batch-id", "B", "--db", location,
                         "--at", "2026-12-02T07:00Z")  # fmt: skip
        assert 0 == code, text

    def test_the_library_refuses_too(self, tmp_path: Path) -> None:
        import datetime as dt

        from mesoformula.exceptions import EntryOrderError
        from mesoformula.files import load
        from mesoformula.files.catalogs import load_catalog
        from mesoformula.sheets import StockSheet
        from mesoformula.stock import Stock

        with Stock.open(tmp_path / "s.db") as stock, pytest.raises(EntryOrderError):
            stock.import_sheet(
                load(EXAMPLES / "stock.toml", StockSheet), load_catalog().catalog,
                at=dt.datetime(2027, 6, 1, tzinfo=dt.UTC), actor="x",
            )  # fmt: skip


class TestKeptHeads:
    """--expect-head that cannot prove anything is a usage error."""

    @pytest.mark.parametrize("head", ["", "   ", "0:" + "ab" * 32, "9" * 4300 + ":" + "0" * 64,
                                      "12", "12:xyz"])  # fmt: skip
    def test_malformed(self, tmp_path: Path, head: str) -> None:
        db = str(tmp_path / "s.db")
        stocked(db)
        assert 2 == run("stock", "verify", "--db", db, "--expect-head", head)[0]

    def test_a_kept_head_proves(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        stocked(db)
        head = run("stock", "head", "--db", db)[1].strip()
        assert 0 == run("stock", "verify", "--db", db, "--expect-head", head)[0]


class TestUndoSaysWhat:
    """stock undo N prints what it undid."""

    def test_text_and_json(self, location: str) -> None:
        stocked(location)
        code, text = run("stock", "discard", "--lot", "DX-2501", "--containers", "4",
                         "--reason", "expired", "--db", location,
                         "--at", "2026-12-01T09:00")  # fmt: skip
        assert 0 == code, text
        entry = text.split()[-1]
        code, text = run("stock", "undo", entry, "--reason", "counted wrong", "--db", location,
                         "--at", "2026-12-01T09:30", "--format", "json")  # fmt: skip
        assert 0 == code
        did = json.loads(text)["did"]
        assert f"undid entry {entry}: discard of dexpanthenol-250mg-ml-2ml lot DX-2501" in did
        assert "-4 container(s)" in did
        assert "reason 'expired'" in did


class TestUsableVolume:
    """stock list leaves expired lots out of the usable volume and shows them apart."""

    def test_expired_is_not_usable(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        stocked(db)
        data = json.loads(run("stock", "list", "--db", db, "--format", "json",
                              "--at", "2026-12-01T10:00")[1])["lots"]  # fmt: skip
        (lot,) = [r for r in data if r["lot"] == "DX-2501"]  # expired 2026-11-30
        assert ({"value": 0.0, "unit": "mL"}, "expired") == (
            lot["usable"],
            lot["not_usable"]["reason"],
        )
        text = run("stock", "list", "--db", db, "--at", "2026-12-01T10:00")[1]
        assert "(expired)" in text


class TestScannedBoxes:
    """An expired box is not received by scan."""

    def test_scan_expired(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        catalog = ("--catalog", str(Path(__file__).parent / "data" / "catalog-gtin"))
        scan = f"(01){LIDOCAINE_GTIN}(17)261031(10)OLD-1"
        code, text = run("stock", "receive", "--scan", scan, "--db", db, *catalog,
                         "--at", "2026-11-28T09:00")  # fmt: skip
        assert 1 == code
        assert "error scan.expired" in text
        assert "nothing was recorded" in text


class TestOneNameOnePerson:
    """Names where identity matters are compared after NFKC and case folding."""

    def test_full_width_letters_are_the_preparer(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        stocked(db)
        assert 0 == run("stock", "consume", HAIR, "--batch-id", "B", "--db", db,
                        "--actor", "ana", "--at", "2026-12-01T10:00")[0]  # fmt: skip
        code, text = run("record", "verify", "--batch-id", "B", "--verifier", "ａｎａ",
                         "--db", db, "--at", "2026-12-01T10:30")  # fmt: skip
        assert 1 == code
        assert "the preparer cannot verify" in text or "prepared batch" in text

    @pytest.mark.parametrize("site", ["Main", "MAIN", "ma\u200bin"])
    def test_one_site_one_spelling(self, tmp_path: Path, site: str) -> None:
        db = str(tmp_path / "s.db")
        stocked(db)
        code, _ = run("stock", "import", str(EXAMPLES / "stock.toml"), "--again", "--db", db,
                      "--site", site, "--new-site", "--at", "2026-11-26T09:00")  # fmt: skip
        assert 2 == code

    def test_a_site_name_is_short(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        stocked(db)
        assert 2 == run("stock", "list", "--db", db, "--site", "x" * 100_000)[0]


class TestSecretsAndFiles:
    """Passwords never printed; patient data never world-readable; outputs never follow."""

    @pytest.mark.parametrize(
        "url",
        [
            "postgresql://u:SECRET@[::1/x",
            "POSTGRESQL://u:SECRET@h/db",
            "postgresql://u@h/db?password=SECRET",
            "postgresql://u:p@SECRET@h/db",
            "connection to 'postgres://u:SECRET@h/d' failed: password=SECRET",
        ],
    )
    def test_redact(self, url: str) -> None:
        assert "SECRET" not in redact(url)

    def test_the_store_is_private(self, tmp_path: Path) -> None:
        db = tmp_path / "s.db"
        stocked(str(db))
        assert 0 == stat.S_IMODE(db.stat().st_mode) & 0o077

    def test_output_never_follows_a_link(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        stocked(db)
        assert 0 == run("stock", "consume", HAIR, "--batch-id", "B", "--db", db,
                        "--at", "2026-12-01T10:00")[0]  # fmt: skip
        victim = tmp_path / "victim.txt"
        victim.write_text("keep me")
        link = tmp_path / "record.txt"
        link.symlink_to(victim)
        code, _ = run("record", "batch", "--batch-id", "B", "--db", db, "--output", str(link))
        assert (2, "keep me") == (code, victim.read_text())
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        assert 2 == run("record", "batch", "--batch-id", "B", "--db", db, "--output", str(fifo))[0]
        target = tmp_path / "record.md"
        code, _ = run("record", "batch", "--batch-id", "B", "--db", db, "--output", str(target))
        assert 0 == code
        assert 0 == stat.S_IMODE(target.stat().st_mode) & 0o077


class TestAnotherUsersStore:
    """A store in a folder this user cannot write can be read, and a write says why not."""

    def run_as_reader(self, *argv: str) -> Any:
        """Run the command line as a user who may read the store but write nothing: the
        owner's write permissions are taken away, and root's override with them (a user
        namespace, where root's capabilities do not reach the files)."""
        import subprocess
        import sys

        prefix = ["unshare", "--user"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, sys.executable, "-m", "mesoformula", *argv],
            capture_output=True, text=True, check=False,
        )  # fmt: skip

    def test_list_verify_and_a_refused_write(self, tmp_path: Path) -> None:
        folder = tmp_path / "shared"
        folder.mkdir()
        db = str(folder / "s.db")
        stocked(db)
        listed = run("stock", "list", "--db", db, "--at", "2026-12-01T09:00")[1]
        Path(db).chmod(0o444)
        folder.chmod(0o555)
        try:
            done = self.run_as_reader("stock", "list", "--db", db, "--at", "2026-12-01T09:00")
            assert (0, listed) == (done.returncode, done.stdout), done.stderr
            done = self.run_as_reader("stock", "verify", "--db", db)
            assert 0 == done.returncode, done.stderr
            assert "store is sound" in done.stdout
            done = self.run_as_reader("stock", "consume", HAIR, "--batch-id", "B", "--db", db,
                                      "--at", "2026-12-01T10:00")  # fmt: skip
            assert 2 == done.returncode
            assert "Traceback" not in done.stderr
            assert "the store is read-only to you" in done.stderr, done.stderr
        finally:
            folder.chmod(0o755)
        assert listed == run("stock", "list", "--db", db, "--at", "2026-12-01T09:00")[1]


class TestTheMachineRefuses:
    """Errors of the file system map to clear messages, exit 2, nothing half-written."""

    def test_a_file_size_limit(self, tmp_path: Path) -> None:
        import resource
        import subprocess
        import sys

        db = tmp_path / "s.db"
        stocked(str(db))
        head = run("stock", "head", "--db", str(db))[1]
        limit = 4096  # a page: the journal cannot grow

        def small_files() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        sheet = str(EXAMPLES / "stock.toml")
        done = subprocess.run(
            [sys.executable, "-m", "mesoformula", "stock", "import", sheet, "--again",
             "--db", str(db), "--at", "2026-11-26T09:00"],
            capture_output=True, text=True, preexec_fn=small_files, check=False,
        )  # fmt: skip
        assert 2 == done.returncode, done.stderr
        assert "Traceback" not in done.stderr
        assert "internal error" not in done.stderr
        assert head == run("stock", "head", "--db", str(db))[1]
        assert 0 == run("stock", "verify", "--db", str(db))[0]

    def test_a_yaml_key_that_is_a_list(self, tmp_path: Path) -> None:
        path = tmp_path / "p.yaml"
        path.write_text("format: mesoformula.patient/1\nid: P\n? [a, b]\n: x\n")
        code, text = run("validate", str(path))
        assert (1, True) == (code, "error file.syntax" in text)

    def test_a_volume_past_any_container(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        stocked(db)
        code, _ = run("stock", "adjust", "--lot", "LA-2611", "--container", "1", "--volume",
                      "1e308 mL", "--reason", "r", "--db", db,
                      "--at", "2026-12-01T11:00")  # fmt: skip
        assert 2 == code

    def test_a_font_that_is_no_font(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        pytest.importorskip("fpdf")
        db = str(tmp_path / "s.db")
        stocked(db)
        assert 0 == run("stock", "consume", HAIR, "--batch-id", "B", "--db", db,
                        "--at", "2026-12-01T10:00")[0]  # fmt: skip
        font = tmp_path / "nofont.ttf"
        font.write_text("not a font")
        monkeypatch.setenv("MESOFORMULA_PDF_FONT", str(font))
        code, _ = run("record", "label", "--batch-id", "B", "--db", db, "--format", "pdf",
                      "--output", str(tmp_path / "l.pdf"))  # fmt: skip
        assert 2 == code


@pytest.mark.parametrize(
    ("scan", "words"),
    [
        (
            "(01)0501234567890(17)280131(10)X",
            "AI (01) holds '0501234567890', and it must be a GTIN",
        ),
        ("(01)05012345678900(17)281331(10)X", "AI (17) holds '281331', and it must be an expiry"),
    ],
)
def test_gs1_errors_say_what_is_wrong_in_words(scan: str, words: str) -> None:
    """A bad scan names the AI, what it holds and what it must hold, never a pattern."""
    from mesoformula.gs1 import ScanError, read_scan

    with pytest.raises(ScanError) as refused:
        read_scan(scan)
    assert words in str(refused.value)
    assert "pattern" not in str(refused.value)


def test_a_pdf_never_drops_what_its_font_cannot_draw(tmp_path: Path) -> None:
    """A name in a script the font lacks is refused (exit 2), never printed as a blank."""
    pytest.importorskip("fpdf")
    db = str(tmp_path / "s.db")
    stocked(db)
    patient = tmp_path / "p.toml"
    patient.write_text('format = "mesoformula.patient/1"\nid = "P-0042"\nname = "山田 花子"\n'
                       'weight = "62 kg"\npregnant = false\n')  # fmt: skip
    assert 0 == run("stock", "consume", HAIR, "--batch-id", "B", "--db", db, "--patient",
                    str(patient), "--at", "2026-12-01T10:00")[0]  # fmt: skip
    code, _ = run("record", "label", "--batch-id", "B", "--db", db, "--format", "pdf",
                  "--output", str(tmp_path / "l.pdf"))  # fmt: skip
    assert 2 == code
    assert not (tmp_path / "l.pdf").exists()


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The clinic's zone is Europe/Paris for the test (and the process's zone restored)."""
    import time

    monkeypatch.setenv("MESOFORMULA_TZ", "Europe/Paris")
    monkeypatch.setenv("TZ", "UTC")
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("at", "words"),
    [("2027-03-28T02:45", "does not exist"), ("2027-10-31T02:30", "happens twice")],
)
def test_a_local_time_names_one_instant(
    tmp_path: Path, paris: Any, at: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A local time the clocks skip or pass twice is a usage error (give the offset)."""
    db = str(tmp_path / "s.db")
    stocked(db)
    capsys.readouterr()
    assert 2 == run("stock", "plan", HAIR, "--db", db, "--at", at)[0]
    assert words in capsys.readouterr().err
    assert 0 == run("stock", "plan", HAIR, "--db", db, "--at", at + "+01:00")[0]


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["stock", "void", "--batch-id", "X", "--reason", "r"], 2),  # argparse: neither kind
        (["stock", "list", "--db", "nowhere.db"], 2),  # no store
        (["check", "nowhere.toml", "--patient", "nobody.toml"], 2),  # no file
        (["stock", "verify", "--expect-head", "", "--db", "nowhere.db"], 2),
        (["stock", "undo", "1"], 2),  # no --reason
        ([], 2),  # no command at all
    ],
)
def test_every_refusal_is_one_json_document(
    argv: list[str], code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --format json, a refusal prints one JSON document (SPEC §9.5), never text."""
    monkeypatch.chdir(tmp_path)
    for form in (["--format", "json"], ["--format=json"]):
        got, text = run(*argv, *form)
        document = json.loads(text)
        assert (code, False, "usage") == (got, document["ok"], document["error"]["code"])
        assert document["error"]["message"]
