"""
Realistic formulation files for the benchmarks: about 2 KB each, 5 to 8 components, with
comments, an administration plan and preparation data, as clinics write them, drawn
from the shipped catalog so that each composes and is checked in full.
"""

from __future__ import annotations

import random
from pathlib import Path

#: (product, how the component is given, range of the number)
COMPONENTS = (
    ("lidocaine-hcl-1pct-5ml", 'volume = "{x} mL"', (0.5, 2.0)),
    ("dexpanthenol-250mg-ml-2ml", 'concentration = "{x} mg/mL"', (10, 30)),
    ("biotin-0.5mg-ml-2ml", 'amount = "{x} mg"', (0.2, 0.8)),
    ("ascorbic-acid-500mg-ml-2ml", 'concentration = "{x} mg/mL"', (5, 20)),
    ("pyridoxine-hcl-100mg-ml-1ml", 'amount = "{x} mg"', (5, 20)),
    ("cyanocobalamin-1000mcg-ml-1ml", 'amount = "{x} mg"', (0.1, 0.5)),
    ("thiamine-hcl-100mg-ml-2ml-mdv", 'amount = "{x} mg"', (5, 20)),
    ("tranexamic-acid-100mg-ml-10ml", 'concentration = "{x} mg/mL"', (2, 8)),
)


def formulation_text(n: int, rng: random.Random) -> str:
    """The text of formulation *n*: 5 to 8 components, about 2 KB."""
    count = rng.randint(5, 8)
    parts = [
        f"""# Benchmark formulation {n}: a skin revitalising cocktail of {count} components,
# written as a clinic writes them, with comments, an administration plan and the
# preparation data the beyond-use date needs. Reviewed by the pharmacist in charge.
format = "mesoformula.formulation/1"
id = "bench-{n}"
name = "Revitalising cocktail, variant {n}"
version = {1 + n % 9}
route = "intradermal"
final_volume = "20 mL"
diluent = "sodium-chloride-0.9-20ml"
notes = "Prepared per the clinic's SOP 12 under a laminar-flow hood; label per USP <797>."
"""
    ]
    for product, given, (low, high) in COMPONENTS[:count]:
        amount = given.format(x=round(rng.uniform(low, high), 2))
        parts.append(
            f"""
[[components]]
# {product}: drawn with a 1 mL syringe; change the needle (30G, 4 mm) before injection.
product = "{product}"
{amount}
"""
        )
    parts.append(
        f"""
[administration]
volume_per_session = "4 mL"
points_per_session = 80
sessions = {4 + n % 5}
interval = "7 d"  # weekly sessions, one batch each

[preparation]
category = 2
storage = "refrigerator"
"""
    )
    return "".join(parts)


def write_files(folder: Path, count: int, seed: int = 1) -> list[Path]:
    """Write *count* formulation files into *folder*; their paths, in order."""
    rng = random.Random(seed)
    paths = []
    for n in range(count):
        path = folder / f"f{n:05d}.toml"
        path.write_text(formulation_text(n, rng), encoding="utf-8")
        paths.append(path)
    return paths


__all__ = ["COMPONENTS", "formulation_text", "write_files"]
