"""
Complications (SPEC §9.4): ``event record`` and ``event list``, append-only and sealed,
never before the dose they follow; both engines.
"""

from __future__ import annotations

import json

import pytest

from .test_tamper import run, sql
from .test_trace import HAIR, PATIENT, given

INFECTION = ("event", "record", "--patient", "P-0042", "--kind", "infection", "--severity",
             "moderate", "--onset", "2026-12-01T20:00", "--organism", "Mycobacterium abscessus",
             "--at", "2026-12-01T21:00")  # fmt: skip


class TestRecord:
    def test_recorded_sealed_and_listed(self, location: str) -> None:
        path = given(location)
        code, text = run(*INFECTION, "--administration", "1", "--db", path, "--format", "json")
        assert (0, 1) == (code, json.loads(text)["event"])
        code, text = run("event", "list", "--lot", "LA-2611", "--db", path, "--format", "json")
        (event,) = json.loads(text)["events"]
        assert (0, "infection", "B", 1, "Mycobacterium abscessus") == (
            code,
            event["kind"],
            event["batch_id"],
            event["administration"],
            event["organism"],
        )
        assert "store is sound" in run("stock", "verify", "--db", path)[1]
        assert [] == json.loads(run("event", "list", "--batch", "C", "--db", path,
                                    "--format", "json")[1])["events"]  # fmt: skip

    @pytest.mark.parametrize(
        ("argv", "words"),
        [
            (("--administration", "1", "--onset", "2026-12-01T10:59"), "before the dose"),
            (("--batch", "C"), "received nothing from batch 'C'"),
            (("--administration", "1", "--kind", "rash"), "--organism goes with --kind infection"),
        ],
    )
    def test_refused_and_nothing_recorded(
        self, location: str, argv: tuple[str, ...], words: str
    ) -> None:
        path = given(location)
        head = run("stock", "head", "--db", path)[1]
        code, text = run(*INFECTION, *argv, "--db", path)
        assert (1, True) == (code, words in text), text
        assert head == run("stock", "head", "--db", path)[1]

    def test_another_patients_dose_and_unknown_ones(self, location: str) -> None:
        path = given(location)
        argv = [*INFECTION, "--db", path]
        argv[argv.index("P-0042")] = "P-0001"
        code, text = run(*argv, "--administration", "1")
        assert (1, True) == (code, "was given to P-0042, not P-0001" in text)
        assert 2 == run(*INFECTION, "--administration", "99", "--db", path)[0]
        assert 2 == run(*INFECTION, "--batch", "NOPE", "--db", path)[0]

    def test_a_changed_event_is_caught(self, location: str) -> None:
        path = given(location)
        assert 0 == run(*INFECTION, "--batch", "B", "--db", path)[0]
        sql(path, "DROP TRIGGER events_no_update", "UPDATE events SET severity = 'mild'")
        code, text = run("event", "list", "--db", path)
        assert (1, True) == (code, text.startswith("TAMPERED - DO NOT USE: the event 1"))
        assert "the complication is not what was recorded" in run("stock", "verify",
                                                                   "--db", path)[1]  # fmt: skip


class TestPriorReaction:
    """An allergic reaction after a batch warns about every later preparation sharing
    one of its ingredients; a severe one refuses it (SPEC §9.4)."""

    def react(self, path: str, severity: str) -> None:
        code, text = run("event", "record", "--patient", "P-0042", "--kind",
                         "allergic-reaction", "--severity", severity, "--onset",
                         "2026-12-01T11:30", "--administration", "1", "--db", path,
                         "--at", "2026-12-01T12:40")  # fmt: skip
        assert 0 == code, text

    def test_severe_refuses_check_consume_and_administer(self, location: str) -> None:
        path = given(location)
        self.react(path, "severe")
        code, text = run("check", HAIR, "--patient", PATIENT, "--db", path,
                         "--at", "2026-12-02T10:00")  # fmt: skip
        assert (1, True) == (code, "error patient.prior-reaction" in text)
        assert "after batch B, which contained" in text
        code, text = run("stock", "consume", HAIR, "--batch-id", "D", "--patient", PATIENT,
                         "--db", path, "--at", "2026-12-01T13:00")  # fmt: skip
        assert (1, True) == (code, "patient.prior-reaction" in text)
        code, text = run("administer", "--batch-id", "B", "--patient", PATIENT, "--volume",
                         "1 mL", "--db", path, "--at", "2026-12-01T13:00")  # fmt: skip
        assert (1, True) == (code, "error patient.prior-reaction" in text)

    def test_mild_warns(self, location: str) -> None:
        path = given(location)
        self.react(path, "mild")
        code, text = run("check", HAIR, "--patient", PATIENT, "--db", path,
                         "--at", "2026-12-02T10:00")  # fmt: skip
        assert (0, True) == (code, "warning patient.prior-reaction" in text)

    def test_without_the_store_nothing_is_known(self, location: str) -> None:
        path = given(location)
        self.react(path, "severe")
        code, text = run("check", HAIR, "--patient", PATIENT)
        assert (0, False) == (code, "patient.prior-reaction" in text)


def test_fhir_adverse_events_and_administrations(location: str) -> None:
    """event list and course show as FHIR R5, validated by the fhir.resources models."""
    from fhir.resources.adverseevent import AdverseEvent
    from fhir.resources.bundle import Bundle
    from fhir.resources.medicationadministration import MedicationAdministration

    path = given(location)
    assert 0 == run(*INFECTION, "--administration", "1", "--description", "<b>pus</b> & fever",
                    "--db", path)[0]  # fmt: skip
    code, text = run("event", "list", "--db", path, "--format", "fhir")
    Bundle.model_validate_json(text)  # valid R5
    (entry,) = json.loads(text)["entry"]
    event = AdverseEvent.model_validate(entry["resource"])
    assert (0, "infection") == (code, event.code.text if event.code else None)
    assert ["organism: Mycobacterium abscessus", "<b>pus</b> & fever"] == [
        n.text for n in event.note or []
    ]
    code, text = run("course", "show", "--patient", PATIENT, "--db", path, "--format", "fhir")
    Bundle.model_validate_json(text)
    given_doses = [
        MedicationAdministration.model_validate(e["resource"]) for e in json.loads(text)["entry"]
    ]
    assert (0, ["completed", "entered-in-error"]) == (code, [g.status for g in given_doses])


@pytest.mark.parametrize(
    "argv",
    [
        ("--kind", "rashy"),
        ("--severity", "fatal"),
        ("--patient", " "),
        ("--description", "two\nlines"),
        ("--description", "red\x1b[31m alarm"),
        ("--organism", "M.\u202eabscessus"),
        ("--onset", "yesterday"),
    ],
)
def test_bad_input_is_a_usage_error(location: str, argv: tuple[str, ...]) -> None:
    path = given(location)
    head = run("stock", "head", "--db", path)[1]
    args = [*INFECTION, "--administration", "1", "--db", path]
    flag = args.index(argv[0]) if argv[0] in args else None
    if flag is not None:
        args[flag + 1] = argv[1]
    else:
        args += list(argv)
    assert 2 == run(*args)[0]
    assert head == run("stock", "head", "--db", path)[1]
