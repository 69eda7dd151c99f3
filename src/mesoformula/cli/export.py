"""``mesoformula export fhir``: a preparation as a FHIR R5 Medication."""

from __future__ import annotations

import argparse
from typing import TextIO

from ._common import EXIT_FINDINGS, EXIT_OK, read_formulation, write_json


def cmd_export_fhir(args: argparse.Namespace, out: TextIO) -> int:
    """``export fhir FORMULATION``: the preparation as a FHIR R5 ``Medication`` (JSON)."""
    from mesoformula.fhir import medication_of  # noqa: PLC0415
    from mesoformula.rules.checks import check  # noqa: PLC0415

    formulation, loaded, code, document = read_formulation(args, out)
    if code is not None:
        return int(code)
    worksheet, findings = check(formulation, loaded.catalog)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        from ._common import finding_line  # noqa: PLC0415

        for finding in document.locate(errors):
            out.write(finding_line(args.formulation, finding) + "\n")
        out.write("not exported: the formulation has error findings\n")
        return EXIT_FINDINGS
    write_json(medication_of(formulation, worksheet, loaded.catalog), out)
    return EXIT_OK


__all__ = ["cmd_export_fhir"]
