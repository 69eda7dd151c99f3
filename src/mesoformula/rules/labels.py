"""
What product labels say about how a preparation may be given and kept (SPEC §9.2):

* ``route.offlabel`` (info): a product licensed for other routes (``routes``, an
  intravenous-only concentrate) is given by the formulation's route;
* ``storage.conflict`` (error): the preparation is stored against a product's storage
  facts (``do_not_freeze``, ``do_not_refrigerate``); its beyond-use date cannot be
  assigned either (:mod:`mesoformula.rules.bud`).
"""

from __future__ import annotations

from mesoformula.catalog import Catalog, Product
from mesoformula.findings import Finding
from mesoformula.formulation import Formulation
from mesoformula.worksheet import Worksheet

#: The routes a product may be licensed for.
ROUTES = frozenset(
    {
        "intradermal",
        "subcutaneous",
        "intravenous",
        "intramuscular",
        "intra-articular",
        "infiltration",
        "intralesional",
        "perineural",
        "epidural",
        "topical",
        "oral",
    }
)


def _used(worksheet: Worksheet, catalog: Catalog) -> list[Product]:
    ids = dict.fromkeys(
        d.product for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
    )
    return [catalog.products[p] for p in ids if p in catalog.products]


def route_findings(
    formulation: Formulation, worksheet: Worksheet, catalog: Catalog
) -> list[Finding]:
    """``route.offlabel`` (info) for each product whose licensed routes leave this one out."""
    return [
        Finding(
            code="route.offlabel",
            severity="info",
            message=f"{product.name} is licensed for {', '.join(product.routes)}, and this "
            f"preparation is given {formulation.route}: off its licensed route (its "
            "excipients and concentration were not made for it)",
            location="route",
        )
        for product in _used(worksheet, catalog)
        if product.routes and formulation.route not in product.routes
    ]


def storage_conflicts(formulation: Formulation, products: list[Product]) -> list[Product]:
    """The products whose storage facts the preparation's storage goes against."""
    storage = formulation.preparation.storage if formulation.preparation else None
    return [
        p
        for p in products
        if (storage == "freezer" and p.do_not_freeze)
        or (storage == "refrigerator" and p.do_not_refrigerate)
    ]


def storage_findings(
    formulation: Formulation, worksheet: Worksheet, catalog: Catalog
) -> list[Finding]:
    """``storage.conflict`` (error) for each product the preparation is stored against."""
    storage = formulation.preparation.storage if formulation.preparation else None
    return [
        Finding(
            code="storage.conflict",
            severity="error",
            message=f"the preparation is stored in the {storage}, and the label of "
            f"{product.name} says: do not "
            + ("freeze" if storage == "freezer" else "refrigerate")
            + ": store it otherwise",
            location="preparation.storage",
            source=product.source or None,
        )
        for product in storage_conflicts(formulation, _used(worksheet, catalog))
    ]


__all__ = ["ROUTES", "route_findings", "storage_conflicts", "storage_findings"]
