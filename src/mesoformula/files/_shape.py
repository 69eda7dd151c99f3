"""Rules on the raw shape of a formulation file that types alone cannot express."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mesoformula.findings import Finding


def shape_findings(data: Mapping[str, Any]) -> list[Finding]:
    """
    Return the problems of a formulation's shape that types alone cannot express.

    Works on the raw file data, so that these are reported together with type and
    unit problems rather than after them.
    """
    findings: list[Finding] = []
    components = data.get("components")
    if isinstance(components, list):
        if not components:
            findings.append(_schema("components", "a formulation needs at least one component"))
        for n, component in enumerate(components):
            if not isinstance(component, Mapping):
                continue
            given = [k for k in ("volume", "amount", "concentration") if k in component]
            if len(given) != 1:
                got = ", ".join(given) if given else "none"
                findings.append(
                    _schema(
                        f"components[{n}]",
                        f"give exactly one of volume, amount or concentration (got {got})",
                    )
                )
    admin = data.get("administration")
    if isinstance(admin, Mapping) and {
        "points_per_session",
        "volume_per_point",
        "volume_per_session",
    } <= set(admin):
        findings.append(
            _schema(
                "administration",
                "give volume_per_session with points_per_session or with "
                "volume_per_point, not with both",
            )
        )
    return findings


def _schema(location: str, message: str) -> Finding:
    return Finding(code="file.schema", severity="error", message=message, location=location)


__all__ = ["shape_findings"]
