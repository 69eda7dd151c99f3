"""
UCUM (https://ucum.org), the unit codes of FHIR and other clinical systems: the code of
every canonical unit of :mod:`mesoformula.units`, for interchange (SPEC §8.7).
"""

from __future__ import annotations

from typing import Final

#: The UCUM code of every canonical unit (https://ucum.org), for FHIR and other systems
#: that speak UCUM. A percentage of a kind (``% v/v``) is UCUM ``%``; the kind is said
#: in the quantity's display text. UCUM spellings (``ug``, ``[iU]``, ``[USP'U]``,
#: ``meq``) are also accepted wherever a unit is read.
UCUM: Final[dict[str, str]] = {
    "mg": "mg",
    "mL": "mL",
    "mg/mL": "mg/mL",
    "kg": "kg",
    "mg/kg": "mg/kg",
    "IU": "[iU]",
    "IU/mL": "[iU]/mL",
    "IU/kg": "[iU]/kg",
    "USP_U": "[USP'U]",
    "USP_U/mL": "[USP'U]/mL",
    "USP_U/kg": "[USP'U]/kg",
    "mEq": "meq",
    "mEq/mL": "meq/mL",
    "mmol": "mmol",
    "mmol/mL": "mmol/mL",
    "g/mol": "g/mol",
    "d": "d",
    "% v/v": "%",
    "% w/w": "%",
}

#: Where UCUM codes live, as FHIR names the system.
UCUM_SYSTEM: Final = "http://unitsofmeasure.org"


__all__ = ["UCUM", "UCUM_SYSTEM"]
