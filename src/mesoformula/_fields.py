"""Field types shared by the models: quantities of a kind, bounded integers."""

from __future__ import annotations

from typing import Annotated

import attrs

from .units import AMOUNT, CONCENTRATION, FRACTION, PER_KG, Accepts, Quantity


@attrs.frozen
class IntRange:
    """Bounds for an integer field: ``Annotated[int, IntRange(1)]``."""

    min: int
    max: int | None = None


# Volumes and durations are bounded where they enter: nothing above 10 L is a
# mesotherapy volume, nothing above 100 years a duration, and both stay far inside what
# the store's integers and the calendar can hold (value.range, never an overflow).
MAX_VOLUME_ML = 10_000.0
MAX_DAYS = 36_500.0
Volume = Annotated[
    Quantity, Accepts(frozenset({"mL"}), "a volume (e.g. '10 mL')", high=MAX_VOLUME_ML)
]
VolumeOrEmpty = Annotated[
    Quantity,
    Accepts(frozenset({"mL"}), "a volume (e.g. '12.4 mL')", zero=True, high=MAX_VOLUME_ML),
]
Mass = Annotated[Quantity, Accepts(frozenset({"mg"}), "a mass (e.g. '0.025 mg')")]
# A body weight outside 2-350 kg is a typing or unit error (grams, pounds), not a patient.
BodyWeight = Annotated[
    Quantity, Accepts(frozenset({"kg"}), "a body weight (e.g. '62 kg')", low=2.0, high=350.0)
]
# A container below 0.01 mL cannot be drawn from; above 10 L it is no pharmacy container.
ContainerVolume = Annotated[
    Quantity,
    Accepts(frozenset({"mL"}), "a container volume (e.g. '2 mL')", low=0.01, high=10_000.0),
]
MolarMass = Annotated[Quantity, Accepts(frozenset({"g/mol"}), "a molar mass (e.g. '270.8 g/mol')")]
Duration = Annotated[
    Quantity, Accepts(frozenset({"d"}), "a duration (e.g. '14 d' or '12 h')", high=MAX_DAYS)
]
Amount = Annotated[
    Quantity, Accepts(AMOUNT, "an amount (a mass, activity units or mEq, e.g. '0.5 mg')")
]
Strength = Annotated[
    Quantity,
    Accepts(CONCENTRATION, "a concentration (e.g. '20 mg/mL', '2 % w/v', '150 USP_U/mL')"),
]
TargetConcentration = Annotated[
    Quantity,
    Accepts(
        CONCENTRATION | FRACTION,
        "a final concentration (e.g. '2 mg/mL', '0.5 % w/v', '5 % v/v')",
    ),
]
LimitValue = Annotated[
    Quantity,
    Accepts(
        AMOUNT | CONCENTRATION | PER_KG,
        "a limit (an amount, a concentration or a per-kg dose, e.g. '4.5 mg/kg')",
    ),
]
# Upper bounds keep numbers inside what SQLite and people can mean: a value past them
# is refused with a finding that names the bound, never clamped.
Count = Annotated[int, IntRange(1, 1_000_000)]
NonNegative = Annotated[int, IntRange(0, 1_000_000)]


__all__ = [
    "MAX_DAYS",
    "MAX_VOLUME_ML",
    "Amount",
    "BodyWeight",
    "ContainerVolume",
    "Count",
    "Duration",
    "IntRange",
    "LimitValue",
    "Mass",
    "MolarMass",
    "NonNegative",
    "Strength",
    "TargetConcentration",
    "Volume",
    "VolumeOrEmpty",
]
