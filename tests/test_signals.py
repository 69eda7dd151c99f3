"""
``mesoformula signals`` (SPEC §9.4): complications clustering on a batch or a lot within
a window, with the exposed patients who have not reported; exit 1 on a signal. Both
engines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mesoformula.cli._common import UsageError
from mesoformula.cli.signals import window_of

from .test_tamper import run
from .test_trace import PATIENT, given


def three_patients(path: str, tmp_path: Path) -> str:
    """Batch B given to P-0042 (by given()), P-0101 and P-0102."""
    given(path)
    for number, minute in (("P-0101", "20"), ("P-0102", "25")):
        patient = tmp_path / f"{number}.toml"
        patient.write_text(
            f'format = "mesoformula.patient/1"\nid = "{number}"\nweight = "70 kg"\n'
            "pregnant = false\nbreastfeeding = false\n",
            encoding="utf-8",
        )
        code, text = run("administer", "--batch-id", "B", "--patient", str(patient), "--volume",
                         "1 mL", "--db", path, "--at", f"2026-12-01T11:{minute}")  # fmt: skip
        assert 0 == code, text
    return path


def event(path: str, patient: str, kind: str, onset: str) -> None:
    code, text = run("event", "record", "--patient", patient, "--kind", kind, "--severity",
                     "moderate", "--onset", onset, "--batch", "B", "--db", path,
                     "--at", "2026-12-01T23:00")  # fmt: skip
    assert 0 == code, text


class TestSignals:
    def test_no_event_no_signal(self, location: str, tmp_path: Path) -> None:
        path = three_patients(location, tmp_path)
        code, text = run("signals", "--db", path, "--at", "2026-12-02T00:00")
        assert (0, True) == (code, text.startswith("0 signal(s) among 0 event(s)"))

    def test_one_infection_after_a_shared_batch_is_a_signal(
        self, location: str, tmp_path: Path
    ) -> None:
        path = three_patients(location, tmp_path)
        event(path, "P-0101", "infection", "2026-12-01T22:00")
        code, text = run("signals", "--db", path, "--at", "2026-12-02T00:00", "--format", "json")
        signals = json.loads(text)["signals"]
        assert 1 == code
        assert [("infection", "batch B", ["P-0101"], ["P-0042", "P-0102"])] == [
            (s["kind"], s["shared"], s["reported"], s["exposed"]) for s in signals
        ]

    def test_two_nodules_in_two_patients_share_the_batch_and_its_lots(
        self, location: str, tmp_path: Path
    ) -> None:
        path = three_patients(location, tmp_path)
        event(path, "P-0101", "nodule", "2026-12-01T21:00")
        event(path, "P-0102", "nodule", "2026-12-01T22:00")
        code, text = run("signals", "--db", path, "--at", "2026-12-02T00:00")
        assert 1 == code
        expected = (
            "warning signal.cluster 2 nodule event(s) in 2 patient(s) (P-0101, P-0102) "
            "after batch B; exposed and not reported: P-0042"
        )
        assert expected in text
        assert "after lot" not in text  # one batch: the batch's signal says it
        # Outside the window, no signal.
        code, _ = run("signals", "--db", path, "--at", "2027-02-01T00:00", "--window", "30d")
        assert 0 == code

    def test_a_lot_across_its_batches(self, location: str, tmp_path: Path) -> None:
        path = three_patients(location, tmp_path)
        steps = [
            ("record", "verify", "--batch-id", "C", "--verifier", "bob",
             "--at", "2026-12-01T12:10"),
            ("administer", "--batch-id", "C", "--patient", str(PATIENT), "--volume", "1 mL",
             "--at", "2026-12-01T12:20"),
        ]  # fmt: skip
        for step in steps:
            assert 0 == run(*step, "--db", path)[0]
        event(path, "P-0101", "rash", "2026-12-01T21:00")
        code, text = run("event", "record", "--patient", "P-0042", "--kind", "rash",
                         "--severity", "mild", "--onset", "2026-12-01T21:30", "--batch", "C",
                         "--db", path, "--at", "2026-12-01T23:00")  # fmt: skip
        assert 0 == code, text
        code, text = run("signals", "--db", path, "--at", "2026-12-02T00:00", "--format", "json")
        shared = {s["shared"]: (s["reported"], s["exposed"]) for s in json.loads(text)["signals"]}
        assert 1 == code
        assert (["P-0042", "P-0101"], ["P-0102"]) == shared["lot lidocaine-hcl-2pct-5ml/LA-2611"]
        assert not any(key.startswith("batch ") for key in shared)  # one report per batch

    def test_one_nodule_is_no_signal(self, location: str, tmp_path: Path) -> None:
        path = three_patients(location, tmp_path)
        event(path, "P-0101", "nodule", "2026-12-01T21:00")
        assert 0 == run("signals", "--db", path, "--at", "2026-12-02T00:00")[0]


@pytest.mark.parametrize(("text", "days"), [("30d", 30), ("48h", 2), ("2w", 14)])
def test_window(text: str, days: float) -> None:
    assert days == window_of(text).total_seconds() / 86400


@pytest.mark.parametrize("text", ["", "0d", "30", "1y", "-3d", "99999d"])
def test_a_window_that_is_no_window(text: str) -> None:
    with pytest.raises(UsageError):
        window_of(text)
