"""
Composition: the pharmacist's worksheet for a formulation (SPEC §2.1, §4.1).

:func:`compose` works out, for a number of batches (or a target final volume):

* for every component the volume to draw from its product, rounded to the syringe
  resolution (with the concentration error that rounding causes), the containers to
  open and, for single-dose containers, the waste;
* the diluent volume that brings the batch to its final volume (q.s.);
* the final concentration of every ingredient, actives and the excipients products
  carry in, merged across products; and the amount per batch, per session, per
  injection point and per course.

It never raises for a formulation that does not add up: problems are findings
(``volume.overflow``, ``volume.short``, ``volume.administration``, ``unit.dimension``,
``ref.*``) and the worksheet holds what could be computed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ._fields import MAX_VOLUME_ML
from .catalog import Catalog, Product
from .conversion import convert
from .findings import Finding, Severity
from .formulation import Component, Formulation
from .rules.references import reference_findings
from .units import Quantity, fmt
from .worksheet import NUMERATOR, Content, Dosing, Draw, Role, Worksheet, clean

#: Default syringe resolution: draws are rounded to 0.01 mL.
DEFAULT_RESOLUTION = 0.01
#: Syringe resolutions accepted: 0.1 µL to 10 mL.
MIN_RESOLUTION, MAX_RESOLUTION = 0.0001, 10.0
#: Rounding that moves a component's concentration by more than this is a warning ...
ROUNDING_WARNING = 0.05
#: ... and by more than this an error (SPEC §8.1).
ROUNDING_ERROR = 0.10


# --------------------------------------------------------------------------- compose


def compose(
    formulation: Formulation,
    catalog: Catalog,
    *,
    batches: int = 1,
    final_volume: Quantity | None = None,
    resolution: float | None = DEFAULT_RESOLUTION,
    dead_volume: float = 0.0,
) -> Worksheet:
    """
    Compose *formulation* from the products of *catalog*.

    Args:
        formulation: What to make.
        catalog: Where the products and ingredients come from.
        batches: Number of batches prepared together (scales every draw).
        final_volume: A target final volume for one batch instead of the
            formulation's (scales every draw by target / final volume).
        resolution: Syringe resolution in mL that draws are rounded to; None to keep
            exact volumes.
        dead_volume: Volume in mL lost per draw (syringe hub, overage): drawn from the
            containers but not delivered into the preparation.

    Raises:
        ValueError: for arguments that make no sense (``batches`` < 1, a negative or
            non-finite resolution or dead volume).
    """
    if batches < 1:
        raise ValueError(f"batches must be at least 1 (got {batches})")
    if resolution is not None and not (
        math.isfinite(resolution) and MIN_RESOLUTION <= resolution <= MAX_RESOLUTION
    ):
        raise ValueError(
            f"resolution must be {MIN_RESOLUTION:g} to {MAX_RESOLUTION:g} mL (got {resolution})"
        )
    if not (math.isfinite(dead_volume) and dead_volume >= 0):
        raise ValueError(f"dead volume must be zero or more mL (got {dead_volume})")
    findings = list(reference_findings(formulation, catalog))
    unresolvable = {
        int(f.location.split("[")[1].split("]")[0])
        for f in findings
        if f.location.startswith("components[")
    }
    base = formulation.final_volume.value
    target = final_volume.value if final_volume is not None else base
    scale = batches * target / base
    total = clean(base * scale)

    draws: list[Draw] = []
    for index, component in enumerate(formulation.components):
        if index in unresolvable:
            continue
        product = catalog.products[component.product]
        exact = _exact_volume(
            index=index,
            component=component,
            product=product,
            catalog=catalog,
            total=total,
            scale=scale,
            findings=findings,
        )
        if exact is None:
            continue
        if not math.isfinite(exact) or exact > MAX_VOLUME_ML * batches:
            findings.append(
                _error(
                    "value.range",
                    f"components[{index}]",
                    f"the component needs {fmt(exact)} mL of '{product.id}', more than "
                    f"{fmt(MAX_VOLUME_ML)} mL a batch: check its amount or concentration",
                    component.ingredient or _sole_active(product),
                )
            )
            continue
        draw = _draw(
            index=index,
            product=product,
            ingredient=component.ingredient or _sole_active(product),
            exact=exact,
            resolution=resolution,
            dead_volume=dead_volume,
            findings=findings,
        )
        if draw is not None:
            draws.append(draw)

    drawn = clean(sum(d.volume.value for d in draws))
    diluent = _diluent(formulation, catalog, total, drawn, findings)
    prepared = drawn + (diluent.volume.value if diluent is not None else 0.0)
    volume = max(total, prepared) if prepared > 0 else total
    dosing = _dosing(formulation, total, findings)
    contents = _contents(
        draws=draws, diluent=diluent, catalog=catalog, volume=volume, batches=batches, dosing=dosing
    )
    return Worksheet(
        formulation=formulation.id,
        version=formulation.version,
        batches=batches,
        scale=scale,
        final_volume=Quantity(clean(target), "mL"),
        total_volume=Quantity(total, "mL"),
        resolution=Quantity(resolution, "mL") if resolution is not None else None,
        draws=tuple(draws),
        diluent=diluent,
        contents=contents,
        dosing=dosing,
        findings=tuple(findings),
    )


def _sole_active(product: Product) -> str | None:
    return next(iter(product.strengths)) if len(product.strengths) == 1 else None


def _exact_volume(
    *,
    index: int,
    component: Component,
    product: Product,
    catalog: Catalog,
    total: float,
    scale: float,
    findings: list[Finding],
) -> float | None:
    """Volume of *product* (mL) the component needs, before rounding."""
    if component.volume is not None:
        return component.volume.value * scale
    ingredient_id = component.ingredient or _sole_active(product)
    assert ingredient_id is not None  # reference_findings reported the ambiguous case
    strength = product.strengths[ingredient_id]
    ingredient = catalog.ingredients.get(ingredient_id)
    if component.concentration is not None:
        wanted = component.concentration
        field = "concentration"
        if wanted.unit == "% v/v":
            return wanted.value / 100.0 * total
        if wanted.unit == "% w/w":
            findings.append(
                _error(
                    "unit.dimension",
                    f"components[{index}].concentration",
                    f"a % w/w concentration needs the preparation's density, which "
                    f"mesoformula does not know: give the concentration as {strength.unit} "
                    "or % w/v",
                    ingredient_id,
                )
            )
            return None
        per_ml = convert(wanted.value, wanted.unit, strength.unit, ingredient)
        needed = None if per_ml is None else per_ml * total
    else:
        assert component.amount is not None
        wanted = component.amount
        field = "amount"
        unit = strength.unit.partition("/")[0]
        amount = convert(wanted.value, wanted.unit, unit, ingredient)
        needed = None if amount is None else amount * scale
    if needed is None:
        findings.append(
            _error(
                "unit.dimension",
                f"components[{index}].{field}",
                f"{field} '{wanted}' cannot be made from '{product.id}', whose "
                f"{ingredient_id} strength is {strength}: the catalog declares no factor "
                f"between {wanted.unit} and {strength.unit} for {ingredient_id} "
                "(molar mass and valence for mEq, activity_mass for IU or USP_U)",
                ingredient_id,
            )
        )
        return None
    return needed / strength.value


def _draw(
    *,
    index: int | None,
    product: Product,
    ingredient: str | None,
    exact: float,
    resolution: float | None,
    dead_volume: float,
    findings: list[Finding],
) -> Draw | None:
    volume = exact
    if resolution is not None:
        volume = round(exact / resolution) * resolution
    volume = clean(volume)
    where = f"components[{index}]" if index is not None else "diluent"
    if exact > 0 and volume == 0:
        findings.append(
            _error(
                "volume.rounding",
                where,
                f"the draw of {fmt(exact)} mL from '{product.id}' rounds to 0 mL at a "
                f"resolution of {fmt(resolution or 0)} mL: use a more dilute stock or a "
                "finer syringe",
                ingredient,
            )
        )
        return None
    error = (volume - exact) / exact if exact > 0 else 0.0
    if index is not None and abs(volume - exact) > 1e-9:
        severity: Severity = "info"
        advice = ""
        if abs(error) > ROUNDING_ERROR:
            severity, advice = "error", ": use a finer syringe or a more dilute stock"
        elif abs(error) > ROUNDING_WARNING:
            severity, advice = "warning", ": consider a finer syringe or a more dilute stock"
        findings.append(
            Finding(
                code="volume.rounding",
                severity=severity,
                message=f"draw of {fmt(exact)} mL from '{product.id}' rounded to "
                f"{fmt(volume)} mL (resolution {fmt(resolution or 0)} mL): "
                f"concentration error {error * 100:+.2f}%{advice}",
                location=where,
                ingredient=ingredient,
            )
        )
    taken = clean(volume + (dead_volume if volume > 0 else 0.0))
    return _make_draw(
        index, product, ingredient, volume=volume, exact=exact, taken=taken, error=error
    )


def _make_draw(
    index: int | None,
    product: Product,
    ingredient: str | None,
    *,
    volume: float,
    exact: float,
    taken: float,
    error: float,
) -> Draw:
    """A draw of *taken* mL from *product*: containers to open and single-dose waste."""
    size = product.volume.value
    containers = math.ceil(taken / size - 1e-9) if taken > 0 else 0
    waste = clean(containers * size - taken) if product.use == "single-dose" else 0.0
    return Draw(
        component=index,
        product=product.id,
        ingredient=ingredient,
        volume=Quantity(volume, "mL"),
        exact=exact,
        draw_volume=Quantity(taken, "mL"),
        containers=containers,
        container_volume=product.volume,
        use=product.use,
        waste=Quantity(max(waste, 0.0), "mL"),
        rounding_error=error,
    )


def _diluent(
    formulation: Formulation,
    catalog: Catalog,
    total: float,
    drawn: float,
    findings: list[Finding],
) -> Draw | None:
    room = clean(total - drawn)
    if room < -1e-9:
        findings.append(
            _error(
                "volume.overflow",
                "components",
                f"the components need {fmt(drawn)} mL but the final volume is {fmt(total)} mL: "
                "reduce the components or raise final_volume",
            )
        )
        room = 0.0
    if formulation.diluent is None:
        if room > 1e-9:
            findings.append(
                _error(
                    "volume.short",
                    "diluent",
                    f"the components give {fmt(drawn)} mL but the final volume is "
                    f"{fmt(total)} mL and no diluent is named: name a diluent to q.s. "
                    f"the remaining {fmt(room)} mL",
                )
            )
        return None
    product = catalog.products.get(formulation.diluent)
    if product is None:
        return None  # reported by reference_findings
    room = max(room, 0.0)
    return _make_draw(None, product, None, volume=room, exact=room, taken=room, error=0.0)


def _dosing(formulation: Formulation, total: float, findings: list[Finding]) -> Dosing | None:
    admin = formulation.administration
    if admin is None:
        return None
    per_session = admin.volume_per_session.value if admin.volume_per_session else None
    per_point = admin.volume_per_point.value if admin.volume_per_point else None
    points: float | None = float(admin.points_per_session) if admin.points_per_session else None
    if per_session is None and per_point is not None and points is not None:
        per_session = per_point * points
    if per_session is not None and per_point is not None and points is None:
        points = per_session / per_point
        if abs(points - round(points)) > 1e-6:
            findings.append(
                Finding(
                    code="volume.administration",
                    severity="warning",
                    message=f"{fmt(per_session)} mL per session at {fmt(per_point)} mL per "
                    f"point is {fmt(points)} points: the points do not divide the session "
                    "volume; adjust the volume per point or per session",
                    location="administration.volume_per_point",
                )
            )
    if per_session is not None and points is not None and per_point is None:
        per_point = per_session / points
    sessions_per_batch = None
    if per_session is not None:
        if per_session > total + 1e-9:
            findings.append(
                _error(
                    "volume.administration",
                    "administration.volume_per_session",
                    f"a session needs {fmt(per_session)} mL but the preparation is "
                    f"{fmt(total)} mL: prepare more batches or reduce the session volume",
                )
            )
        sessions_per_batch = math.floor(total / per_session + 1e-9)
    return Dosing(
        volume_per_session=Quantity(clean(per_session), "mL") if per_session else None,
        points_per_session=clean(points) if points else None,
        volume_per_point=Quantity(clean(per_point), "mL") if per_point else None,
        sessions=admin.sessions,
        sessions_per_batch=sessions_per_batch,
    )


def _contents(
    *,
    draws: Sequence[Draw],
    diluent: Draw | None,
    catalog: Catalog,
    volume: float,
    batches: int,
    dosing: Dosing | None,
) -> tuple[Content, ...]:
    amounts: dict[tuple[str, str], float] = {}
    roles: dict[tuple[str, str], Role] = {}
    carriers: dict[tuple[str, str], list[str]] = {}
    used = [d for d in [*draws, *([diluent] if diluent is not None else [])] if d.volume.value > 0]
    for draw in used:
        product = catalog.products[draw.product]
        tables: tuple[tuple[Role, Mapping[str, Quantity]], ...] = (
            ("active", product.strengths),
            ("excipient", product.excipients),
        )
        for role, table in tables:
            for ingredient_id, strength in table.items():
                key = (ingredient_id, NUMERATOR[strength.unit])
                amounts[key] = amounts.get(key, 0.0) + strength.value * draw.volume.value
                if role == "active" or key not in roles:
                    roles[key] = role
                carriers.setdefault(key, [])
                if draw.product not in carriers[key]:
                    carriers[key].append(draw.product)
    contents = []
    session_volume = point_volume = None
    sessions = 1
    if dosing is not None:
        sessions = dosing.sessions
        if dosing.volume_per_session is not None:
            session_volume = dosing.volume_per_session.value
        if dosing.volume_per_point is not None:
            point_volume = dosing.volume_per_point.value
    for (ingredient_id, unit), amount in amounts.items():
        concentration = amount / volume if volume > 0 else 0.0
        session = concentration * session_volume if session_volume is not None else None
        contents.append(
            Content(
                ingredient=ingredient_id,
                role=roles[(ingredient_id, unit)],
                unit=unit,
                concentration_value=concentration,
                per_batch_value=amount / batches,
                total_value=amount,
                per_session_value=session,
                per_point_value=concentration * point_volume if point_volume is not None else None,
                per_course_value=session * sessions if session is not None else None,
                products=tuple(carriers[(ingredient_id, unit)]),
            )
        )
    contents += _undeclared(used, catalog, {i for i, _ in amounts})
    contents.sort(key=lambda c: (c.role != "active", c.ingredient))
    return tuple(contents)


def _undeclared(used: Sequence[Draw], catalog: Catalog, declared: set[str]) -> list[Content]:
    """
    The ingredients products contain in an amount they do not publish (``contains``,
    SPEC §9.2): present for allergies, incompatibilities and pregnancy, their doses not
    known (``known=False``).
    """
    carriers: dict[str, list[str]] = {}
    for draw in used:
        for ingredient_id in catalog.products[draw.product].contains:
            if ingredient_id not in declared:
                carriers.setdefault(ingredient_id, [])
                if draw.product not in carriers[ingredient_id]:
                    carriers[ingredient_id].append(draw.product)
    found = []
    for ingredient_id, products in carriers.items():
        ingredient = catalog.ingredients.get(ingredient_id)
        vehicle = ingredient is not None and ingredient.class_ in {"excipient", "diluent"}
        role: Role = "excipient" if vehicle else "active"
        found.append(Content.undeclared(ingredient_id, role, tuple(products)))
    return found


def _error(code: str, location: str, message: str, ingredient: str | None = None) -> Finding:
    return Finding(
        code=code, severity="error", message=message, location=location, ingredient=ingredient
    )


__all__ = [
    "DEFAULT_RESOLUTION",
    "ROUNDING_ERROR",
    "ROUNDING_WARNING",
    "compose",
]
