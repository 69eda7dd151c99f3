"""
The batch snapshot (issue 26): a typed record written and read by the file converter,
the same data back, and records written before it (the keyed JSON of earlier
versions) still read.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoformula.exceptions import StockError
from mesoformula.files import load, read_snapshot, snapshot_data
from mesoformula.findings import Finding
from mesoformula.formulation import Formulation
from mesoformula.snapshot import AdmixtureNote, BatchSnapshot, ProductNote, RecordedPatient

from .conftest import EXAMPLES

FORMULATION = load(EXAMPLES / "hair-revitalizing.toml", Formulation)

names = st.text("abcdefghij-", min_size=1, max_size=12)
snapshots = st.builds(
    BatchSnapshot,
    formulation=st.just(FORMULATION),
    worksheet=st.none() | st.just({"total_volume": {"value": 10.0, "unit": "mL"}}),
    record_version=st.none() | st.just(1),
    started_at=st.none() | st.just("2026-12-01T09:00:00+00:00"),
    formulation_name=st.none() | names,
    checks=st.lists(
        st.builds(Finding, code=st.just("dose.nolimit"), severity=st.just("info"), message=names),
        max_size=2,
    ).map(tuple),
    products=st.dictionaries(
        names,
        st.builds(
            ProductNote,
            name=st.none() | names,
            sterile=st.none() | st.booleans(),
            admixture_stability=st.none()
            | st.builds(AdmixtureNote, days=st.floats(0.01, 60), storage=names),
        ),
        max_size=3,
    ),
    patient=st.none() | st.builds(RecordedPatient, id=names, name=st.none() | names),
    prescriber=st.none() | names,
    hazards=st.dictionaries(names, names, max_size=2),
    ingredient_names=st.dictionaries(names, names, max_size=2),
    site=st.none() | names,
)


@given(snapshots)
def test_written_and_read_back_the_same(snapshot: BatchSnapshot) -> None:
    data = json.loads(json.dumps(snapshot_data(snapshot)))  # as the store keeps it
    assert snapshot == read_snapshot(data)


def test_a_record_of_an_earlier_version_reads() -> None:
    """The keyed JSON written before the typed snapshot: nulls, no site, no sterility."""
    data = {
        "record_version": 1,
        "started_at": "2026-12-01T09:00:00+00:00",
        "formulation": snapshot_data(BatchSnapshot(formulation=FORMULATION))["formulation"],
        "formulation_name": "Hair",
        "worksheet": {"total_volume": {"value": 10.0, "unit": "mL"}},
        "checks": [{"code": "dose.nolimit", "severity": "info", "message": "m", "location": ""}],
        "products": {"biotin": {"name": "Biotin"}},
        "patient": None,
        "prescriber": None,
        "hazards": {},
        "ingredient_names": {},
    }
    snapshot = read_snapshot(data)
    assert (None, (10.0, "mL"), None) == (
        snapshot.patient_id,
        snapshot.total_volume,
        snapshot.products["biotin"].sterile,
    )


def test_a_damaged_record_is_a_stock_error() -> None:
    with pytest.raises(StockError, match="recorded snapshot cannot be read"):
        read_snapshot({"formulation": 3})
