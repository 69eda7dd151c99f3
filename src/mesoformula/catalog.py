"""
The catalog: ingredients, products, allergen groups and the rules between them.

The shipped catalog lives in the repository's top-level ``catalog/`` and is packaged
with the library. Users add their own folders; later entries replace earlier ones by
id, and every replacement is reported as an ``info`` finding (SPEC §2.3).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from ._fields import LimitValue, Mass, MolarMass, NonNegative, Strength, Volume
from .exceptions import CatalogError
from .findings import Finding
from .formulation import AcceptedRisk
from .units import ACTIVITY, AMOUNT, CONCENTRATION, PER_KG

CATALOG_FORMAT: Final = "mesoformula.catalog/1"

Basis = Literal["session", "per-kg-session", "point", "course", "concentration", "preparation"]
RuleSeverity = Literal["error", "warning"]
Storage = Literal["room", "refrigerator", "freezer"]

#: Which kinds of limit value each basis takes.
BASIS_UNITS: dict[str, frozenset[str]] = {
    "session": AMOUNT,
    "point": AMOUNT,
    "course": AMOUNT,
    "per-kg-session": PER_KG,
    "concentration": CONCENTRATION,
    "preparation": AMOUNT,
}


@attrs.frozen(kw_only=True)
class DoseLimit:
    """
    A dose limit of one ingredient, cumulative over every product that carries it.

    Attributes:
        basis: What the limit is per: ``session``, ``per-kg-session``, ``point``,
            ``course``, ``concentration`` (of the final preparation) or
            ``preparation`` (amount in one batch, e.g. hyaluronidase per admixture).
        max: The largest dose that passes; a dose exactly at the limit passes.
        severity: ``error`` for an absolute maximum, ``warning`` for an advisory norm.
        unless_present: The limit does not apply when any of these ingredient ids is
            in the preparation (lidocaine 4.5 mg/kg unless epinephrine).
        when_present: The limit applies only when one of these ids is present.
        source: Where the number comes from. Never empty in a shipped catalog.
        note: What the limit means (licensed route, population, ...).
    """

    basis: Basis
    max: LimitValue
    severity: RuleSeverity = "error"
    unless_present: tuple[str, ...] = ()
    when_present: tuple[str, ...] = ()
    source: str
    note: str = ""


@attrs.frozen(kw_only=True)
class Ingredient:
    """
    An active substance or an excipient.

    Attributes:
        id: Stable id (``lidocaine-hcl``).
        name: Name for people.
        class_: Pharmacological class (``anesthetic``, ``vitamin``, ``excipient``, ...);
            the file key is ``class``.
        synonyms: Brand and INN spellings, matched case-insensitively.
        identifiers: CAS, UNII and the like.
        molar_mass: For mEq and molar conversions.
        valence: Charge per molecule, for mEq.
        allergen_groups: Allergen group ids this ingredient belongs to.
        tags: Free tags that incompatibility rules can name (``hyaluronidase``,
            ``acidic-stock``).
        status: ``active`` or ``withdrawn`` (with ``status_reason``).
        pregnancy: ``ok``, ``caution`` or ``contraindicated``; absent when unknown.
        activity_mass: Mass of one activity unit (``{IU = "0.025 ug"}``); activity is
            compared with mass only through this declared factor.
        limits: Dose limits.
        notes: Free text, including which limits could not be sourced.
        sources: Sources of the monograph data (identifiers, class, status).
    """

    id: str
    name: str
    class_: str = attrs.field(metadata={"key": "class"})
    synonyms: tuple[str, ...] = ()
    identifiers: dict[str, str] = attrs.field(factory=dict)
    molar_mass: MolarMass | None = None
    valence: NonNegative | None = None
    allergen_groups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: Literal["active", "withdrawn"] = "active"
    status_reason: str | None = None
    pregnancy: Literal["ok", "caution", "contraindicated"] | None = None
    activity_mass: dict[str, Mass] = attrs.field(factory=dict)
    limits: tuple[DoseLimit, ...] = ()
    notes: str = ""
    sources: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Product:
    """
    A stock presentation: what is on the shelf and drawn from.

    Attributes:
        id: Stable id (``lidocaine-hcl-2pct-20ml-mdv``).
        name: Name for people, as on the label.
        container: ``ampoule``, ``vial``, ``bottle``, ``prefilled-syringe``, ``bag``
            or ``cartridge``.
        use: ``single-dose`` (used whole, remainder wasted) or ``multi-dose``.
        volume: Nominal volume of one container.
        sterile: Whether the product is a sterile starting component.
        storage: ``room``, ``refrigerator`` or ``freezer``.
        in_use_days: Days a multi-dose container may be used after first puncture.
        no_admixture: The label says not to mix it with other drugs.
        strengths: Active ingredient id -> concentration.
        excipients: Excipient ingredient id -> concentration.
        source: Where the presentation data comes from.
        notes: Free text.
    """

    id: str
    name: str
    container: Literal["ampoule", "vial", "bottle", "prefilled-syringe", "bag", "cartridge"]
    use: Literal["single-dose", "multi-dose"]
    volume: Volume
    sterile: bool = True
    storage: Storage = "room"
    in_use_days: NonNegative | None = None
    no_admixture: bool = False
    strengths: dict[str, Strength] = attrs.field(factory=dict)
    excipients: dict[str, Strength] = attrs.field(factory=dict)
    source: str = ""
    notes: str = ""


@attrs.frozen(kw_only=True)
class AllergenGroup:
    """A group of substances a patient can be allergic to as one (``sulfite``)."""

    id: str
    name: str
    source: str
    note: str = ""


@attrs.frozen(kw_only=True)
class CrossReactivity:
    """An allergy to one group that may extend to another (esters <-> PABA)."""

    groups: tuple[str, str]
    severity: RuleSeverity
    note: str
    source: str


@attrs.frozen(kw_only=True)
class Incompatibility:
    """
    Two things that must not be mixed.

    ``a`` and ``b`` are ingredient ids, allergen group ids, ingredient classes or tags.
    ``inferred`` rules come from reasoning on sourced facts (pH), not a label.
    """

    a: str
    b: str
    severity: RuleSeverity
    reason: str
    source: str
    inferred: bool = False


@attrs.frozen(kw_only=True)
class PolicyLimit:
    """
    A clinic's own limit, added to an ingredient without replacing it.

    The strictest applicable limit decides; the finding names its source.
    """

    ingredient: str
    basis: Basis
    max: LimitValue
    severity: RuleSeverity = "error"
    unless_present: tuple[str, ...] = ()
    when_present: tuple[str, ...] = ()
    source: str
    note: str = ""

    def as_limit(self) -> DoseLimit:
        """Return the limit this policy adds."""
        return DoseLimit(
            basis=self.basis,
            max=self.max,
            severity=self.severity,
            unless_present=self.unless_present,
            when_present=self.when_present,
            source=self.source,
            note=self.note,
        )


@attrs.frozen(kw_only=True)
class CatalogFile:
    """One catalog file (``format = "mesoformula.catalog/1"``)."""

    format: Literal["mesoformula.catalog/1"] = CATALOG_FORMAT
    ingredients: tuple[Ingredient, ...] = ()
    products: tuple[Product, ...] = ()
    allergen_groups: tuple[AllergenGroup, ...] = ()
    cross_reactivity: tuple[CrossReactivity, ...] = ()
    incompatibilities: tuple[Incompatibility, ...] = ()
    limits: tuple[PolicyLimit, ...] = ()
    accepted_risks: tuple[AcceptedRisk, ...] = ()


@attrs.frozen(kw_only=True)
class Catalog:
    """
    The merged catalog: every id once, the last definition winning.

    Build one with :func:`load_catalog` (shipped catalog plus user folders) or
    :meth:`from_files`.
    """

    ingredients: dict[str, Ingredient] = attrs.field(factory=dict)
    products: dict[str, Product] = attrs.field(factory=dict)
    allergen_groups: dict[str, AllergenGroup] = attrs.field(factory=dict)
    cross_reactivity: tuple[CrossReactivity, ...] = ()
    incompatibilities: tuple[Incompatibility, ...] = ()
    policy_limits: tuple[PolicyLimit, ...] = ()
    accepted_risks: tuple[AcceptedRisk, ...] = ()
    origins: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    # What checks ask of every ingredient (its limits, its terms, the rules naming it),
    # worked out once per catalog: the catalog is frozen, so it never goes stale.
    _memo: dict[tuple[str, str], Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    @classmethod
    def from_files(
        cls, files: Iterable[tuple[str, CatalogFile]]
    ) -> tuple[Catalog, list[tuple[str, Finding]]]:
        """
        Merge catalog files in order; return the catalog and (file, finding) pairs.

        An id defined again by a later file replaces the earlier definition, and the
        replacement is reported as ``catalog.override`` (info) against the later file.
        Redefining an entry identically is not reported.
        """
        ingredients: dict[str, Ingredient] = {}
        products: dict[str, Product] = {}
        groups: dict[str, AllergenGroup] = {}
        origins: dict[str, str] = {}
        cross: list[CrossReactivity] = []
        incompat: list[Incompatibility] = []
        policies: list[PolicyLimit] = []
        risks: list[AcceptedRisk] = []
        findings: list[tuple[str, Finding]] = []
        for path, file in files:
            for key, what, entries, target in _sections(file, ingredients, products, groups):
                for index, entry in enumerate(entries):
                    tag = f"{key}:{entry.id}"
                    previous = target.get(entry.id)
                    if previous is not None and previous != entry and origins[tag] != path:
                        message = f"{what} '{entry.id}' replaces the one from {origins[tag]}"
                        findings.append(
                            (path, _info("catalog.override", message, f"{key}[{index}].id"))
                        )
                    target[entry.id] = entry
                    origins[tag] = path
            cross.extend(file.cross_reactivity)
            incompat.extend(file.incompatibilities)
            policies.extend(file.limits)
            risks.extend(file.accepted_risks)
        catalog = cls(
            ingredients=ingredients,
            products=products,
            allergen_groups=groups,
            cross_reactivity=tuple(cross),
            incompatibilities=tuple(incompat),
            policy_limits=tuple(policies),
            accepted_risks=tuple(risks),
            origins=origins,
        )
        return catalog, findings

    def ingredient(self, ingredient_id: str) -> Ingredient:
        """Return the ingredient *ingredient_id* or raise :class:`CatalogError`."""
        try:
            return self.ingredients[ingredient_id]
        except KeyError:
            raise CatalogError(f"no ingredient '{ingredient_id}' in the catalog") from None

    def product(self, product_id: str) -> Product:
        """Return the product *product_id* or raise :class:`CatalogError`."""
        try:
            return self.products[product_id]
        except KeyError:
            raise CatalogError(f"no product '{product_id}' in the catalog") from None

    def limits_of(self, ingredient_id: str) -> tuple[DoseLimit, ...]:
        """Return every limit of an ingredient: its own, then the clinic's policies."""
        key = ("limits", ingredient_id)
        if key not in self._memo:
            own = (
                self.ingredients[ingredient_id].limits if ingredient_id in self.ingredients else ()
            )
            policies = tuple(
                p.as_limit() for p in self.policy_limits if p.ingredient == ingredient_id
            )
            self._memo[key] = (*own, *policies)
        limits: tuple[DoseLimit, ...] = self._memo[key]
        return limits

    def terms_of(self, ingredient_id: str) -> frozenset[str]:
        """Return every term an incompatibility rule may use to name an ingredient."""
        key = ("terms", ingredient_id)
        if key not in self._memo:
            ingredient = self.ingredients.get(ingredient_id)
            self._memo[key] = frozenset(
                {ingredient_id}
                if ingredient is None
                else {
                    ingredient.id,
                    ingredient.class_,
                    *ingredient.allergen_groups,
                    *ingredient.tags,
                }
            )
        terms: frozenset[str] = self._memo[key]
        return terms

    def rules_naming(self, ingredient_id: str) -> tuple[frozenset[int], frozenset[int]]:
        """Indexes of the incompatibility rules whose side ``a`` / side ``b`` names it."""
        key = ("rules", ingredient_id)
        if key not in self._memo:
            terms = self.terms_of(ingredient_id)
            rules = self.incompatibilities
            self._memo[key] = (
                frozenset(n for n, r in enumerate(rules) if r.a in terms),
                frozenset(n for n, r in enumerate(rules) if r.b in terms),
            )
        sides: tuple[frozenset[int], frozenset[int]] = self._memo[key]
        return sides

    def find(self, term: str) -> list[str]:
        """
        Return the ingredient ids a free-text term names: an id, a name or a synonym,
        case-insensitively.
        """
        folded = term.strip().casefold()
        return sorted(
            i.id
            for i in self.ingredients.values()
            if folded in {i.id.casefold(), i.name.casefold(), *(s.casefold() for s in i.synonyms)}
        )


def _sections(
    file: CatalogFile,
    ingredients: dict[str, Ingredient],
    products: dict[str, Product],
    groups: dict[str, AllergenGroup],
) -> list[tuple[str, str, Sequence[Ingredient | Product | AllergenGroup], dict[str, Any]]]:
    return [
        ("ingredients", "ingredient", file.ingredients, ingredients),
        ("products", "product", file.products, products),
        ("allergen_groups", "allergen group", file.allergen_groups, groups),
    ]


def file_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """
    Check one catalog file against the merged *catalog* it belongs to.

    Reports ids defined twice in the file (``catalog.duplicate``), references that do
    not resolve (``ref.*``), limits, groups and rules without a source
    (``catalog.source``) and limit values of the wrong kind for their basis
    (``unit.dimension``). Locations point into the file.
    """
    findings: list[Finding] = []
    for key, what, entries, _ in _sections(file, {}, {}, {}):
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            if entry.id in seen:
                findings.append(
                    _error(
                        "catalog.duplicate",
                        f"{what} '{entry.id}' is defined twice in this file; keep one",
                        f"{key}[{index}].id",
                    )
                )
            seen.add(entry.id)
    classes = {i.class_ for i in catalog.ingredients.values()}
    tags = {t for i in catalog.ingredients.values() for t in i.tags}
    terms = set(catalog.ingredients) | set(catalog.allergen_groups) | classes | tags
    for n, ingredient in enumerate(file.ingredients):
        at = f"ingredients[{n}]"
        for k, group in enumerate(ingredient.allergen_groups):
            if group not in catalog.allergen_groups:
                findings.append(
                    _error(
                        "ref.allergen",
                        f"allergen group '{group}' is not in the catalog",
                        f"{at}.allergen_groups[{k}]",
                    )
                )
        for k, limit in enumerate(ingredient.limits):
            findings.extend(_limit_findings(catalog, f"{at}.limits[{k}]", limit))
        if ingredient.status == "withdrawn" and not ingredient.status_reason:
            findings.append(
                _error(
                    "file.schema", "a withdrawn ingredient needs a status_reason", f"{at}.status"
                )
            )
        for unit in ingredient.activity_mass:
            if unit not in ACTIVITY:
                findings.append(
                    _error(
                        "unit.unknown",
                        f"activity_mass is keyed by an activity unit "
                        f"({', '.join(sorted(ACTIVITY))}), not '{unit}'",
                        f"{at}.activity_mass",
                    )
                )
    for n, product in enumerate(file.products):
        at = f"products[{n}]"
        for table in ("strengths", "excipients"):
            for ingredient_id in getattr(product, table):
                if ingredient_id not in catalog.ingredients:
                    findings.append(
                        _error(
                            "ref.ingredient",
                            f"ingredient '{ingredient_id}' is not in the catalog",
                            f"{at}.{table}.{ingredient_id}",
                        )
                    )
        if product.use == "multi-dose" and product.in_use_days is None:
            findings.append(
                Finding(
                    code="file.schema",
                    severity="warning",
                    message="a multi-dose product should give in_use_days (after first "
                    "puncture); without it opened containers are usable until lot expiry",
                    location=f"{at}.in_use_days",
                )
            )
    for n, allergen_group in enumerate(file.allergen_groups):
        if not allergen_group.source.strip():
            findings.append(_nosource(f"allergen_groups[{n}].source"))
    for n, cross in enumerate(file.cross_reactivity):
        for k, group_id in enumerate(cross.groups):
            if group_id not in catalog.allergen_groups:
                findings.append(
                    _error(
                        "ref.allergen",
                        f"allergen group '{group_id}' is not in the catalog",
                        f"cross_reactivity[{n}].groups[{k}]",
                    )
                )
        if not cross.source.strip():
            findings.append(_nosource(f"cross_reactivity[{n}].source"))
    for n, rule in enumerate(file.incompatibilities):
        for side in ("a", "b"):
            term = getattr(rule, side)
            if term not in terms:
                findings.append(
                    _error(
                        "ref.ingredient",
                        f"'{term}' is no ingredient, allergen group, class or tag in the catalog",
                        f"incompatibilities[{n}].{side}",
                    )
                )
        if not rule.source.strip():
            findings.append(_nosource(f"incompatibilities[{n}].source"))
    for n, policy in enumerate(file.limits):
        if policy.ingredient not in catalog.ingredients:
            findings.append(
                _error(
                    "ref.ingredient",
                    f"ingredient '{policy.ingredient}' is not in the catalog",
                    f"limits[{n}].ingredient",
                )
            )
        findings.extend(_limit_findings(catalog, f"limits[{n}]", policy.as_limit()))
    return findings


def _limit_findings(catalog: Catalog, at: str, limit: DoseLimit) -> list[Finding]:
    findings: list[Finding] = []
    if not limit.source.strip():
        findings.append(_nosource(f"{at}.source"))
    accepted = BASIS_UNITS[limit.basis]
    if limit.max.unit not in accepted:
        findings.append(
            _error(
                "unit.dimension",
                f"a '{limit.basis}' limit must be in {' or '.join(sorted(accepted))} "
                f"(got '{limit.max}')",
                f"{at}.max",
            )
        )
    for key in ("unless_present", "when_present"):
        for k, other in enumerate(getattr(limit, key)):
            if other not in catalog.ingredients:
                findings.append(
                    _error(
                        "ref.ingredient",
                        f"ingredient '{other}' is not in the catalog",
                        f"{at}.{key}[{k}]",
                    )
                )
    return findings


def _error(code: str, message: str, location: str) -> Finding:
    return Finding(code=code, severity="error", message=message, location=location)


def _info(code: str, message: str, location: str) -> Finding:
    return Finding(code=code, severity="info", message=message, location=location)


def _nosource(location: str) -> Finding:
    return _error(
        "catalog.source",
        "no source: every limit, allergen group and rule must say where it comes from",
        location,
    )


def shipped_catalog_dir() -> Path:
    """Return the folder of the shipped catalog (in the wheel, or the source tree)."""
    packaged = Path(__file__).with_name("_catalog")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "catalog"


def catalog_paths(folder: Path) -> list[Path]:
    """Return the catalog files in *folder*, sorted, recursively."""
    suffixes = {".toml", ".json", ".yaml", ".yml"}
    return sorted(p for p in folder.rglob("*") if p.suffix in suffixes and p.is_file())


@attrs.frozen(kw_only=True)
class LoadedCatalog:
    """
    A merged catalog with the files it was built from and their findings.

    Attributes:
        catalog: The merged catalog.
        files: (path, file) in load order.
        findings: (path, finding) pairs: read problems, overrides, integrity.
    """

    catalog: Catalog
    files: tuple[tuple[str, CatalogFile], ...]
    findings: tuple[tuple[str, Finding], ...]


def load_catalog(
    extra: Sequence[str | Path] = (), *, shipped: bool = True, cache: bool = True
) -> LoadedCatalog:
    """
    Load the shipped catalog and then each folder (or file) of *extra*, in order.

    A file that cannot be read contributes its findings and nothing else. Findings
    come back paired with the file they concern.

    With *cache* (the default, unless ``MESOFORMULA_NO_CACHE`` is set) the merged result
    is kept in a private per-user cache, keyed by the version of mesoformula and the path,
    size and modification time of every catalog file; any change rebuilds it.
    """
    paths: list[Path] = []
    if shipped:
        paths.extend(catalog_paths(shipped_catalog_dir()))
    for item in extra:
        path = Path(item)
        paths.extend(catalog_paths(path) if path.is_dir() else [path])
    if cache and not os.environ.get("MESOFORMULA_NO_CACHE"):
        from . import _cache  # noqa: PLC0415 - only when caching

        return _cache.cached(paths, lambda: _load(paths))
    return _load(paths)


def _load(paths: Sequence[Path]) -> LoadedCatalog:
    from .files import read, with_lines  # noqa: PLC0415 - files imports this module

    files: list[tuple[str, CatalogFile]] = []
    findings: list[tuple[str, Finding]] = []
    for path in paths:
        document = read(path, expect="catalog")
        findings.extend((str(path), f) for f in document.findings)
        if isinstance(document.model, CatalogFile):
            files.append((str(path), document.model))
    catalog, merge_findings = Catalog.from_files(files)
    findings.extend(merge_findings)
    for path_name, file in files:
        integrity = file_findings(file, catalog)
        findings.extend((path_name, f) for f in with_lines(path_name, integrity))
    return LoadedCatalog(catalog=catalog, files=tuple(files), findings=tuple(findings))


__all__ = [
    "AllergenGroup",
    "Catalog",
    "CatalogFile",
    "CrossReactivity",
    "DoseLimit",
    "Incompatibility",
    "Ingredient",
    "LoadedCatalog",
    "PolicyLimit",
    "Product",
    "file_findings",
    "load_catalog",
]
