"""
GS1: GTINs and the element strings printed or scanned on a box (SPEC §8.7).

A scan is read with biip (a well-kept GS1 parser), in the printed form
``(01)05012345678900(17)270600(10)LOT-1(21)S1`` or as a scanner sends it: the element
strings run together, variable-length ones ended by the group separator (ASCII 29,
FNC1), optionally after a symbology identifier such as ``]d2``. AI 01 is the GTIN
(check digit verified), 17 the expiry (``YYMMDD``; day ``00`` is the last day of the
month), 10 the lot and 21 the serial. biip is imported only when a scan is read.
"""

from __future__ import annotations

import datetime as dt
import re

import attrs

from .exceptions import MesoformulaError

#: The group separator a scanner sends for FNC1 between variable-length fields.
GS = "\x1d"

_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


class ScanError(MesoformulaError, ValueError):
    """A scan that cannot be read, lacks a required AI or fails its check digit."""


def check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of *digits* (the GTIN without its last digit)."""
    total = sum(int(d) * (3 if n % 2 == 0 else 1) for n, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def gtin_problem(gtin: str) -> str | None:
    """Why *gtin* is not a valid GTIN-14 (14 digits, valid check digit), or None."""
    if len(gtin) != 14 or not gtin.isascii() or not gtin.isdigit():
        return f"a GTIN is 14 digits (got {gtin!r}); pad a GTIN-13 or GTIN-12 with zeros"
    expected = check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        return f"the GTIN {gtin} fails its check digit (expected {expected}, got {gtin[-1]})"
    return None


@attrs.frozen(kw_only=True)
class Scan:
    """What a GS1 element string on a box says."""

    gtin: str
    expiry: dt.date
    lot: str
    serial: str | None = None
    text: str = attrs.field(default="", eq=False)


def element_string(scan: Scan, *, printed: bool = False) -> str:
    """
    *scan* as a GS1 element string: printed (``(01)…(17)…(10)…``) or as a scanner
    sends it (fixed fields run together, a group separator after the lot when a serial
    follows).
    """
    expiry = scan.expiry.strftime("%y%m%d")
    if printed:
        text = f"(01){scan.gtin}(17){expiry}(10){scan.lot}"
        return text + (f"(21){scan.serial}" if scan.serial else "")
    text = f"01{scan.gtin}17{expiry}10{scan.lot}"
    return text + (f"{GS}21{scan.serial}" if scan.serial else "")


#: What a lot number (AI 10) may hold: up to 20 characters of the GS1 character set,
#: parentheses left out so that the printed form reads back unambiguously.
_AI10 = re.compile(r"[!\"%&'*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


def label_code(batch_id: str, bud: dt.date | None, gtin: str | None) -> str:
    """
    What the label's machine-readable code holds: with the clinic's own *gtin* (and a
    BUD, and a batch id that is a valid AI 10), the GS1 element string
    ``(01)GTIN(17)BUD(10)BATCH`` that ``read_scan`` reads back; otherwise an internal
    code naming the batch and its BUD.
    """
    if gtin is not None and bud is not None and _AI10.fullmatch(batch_id):
        return element_string(Scan(gtin=gtin, expiry=bud, lot=batch_id), printed=True)
    return f"MESOFORMULA BATCH {batch_id} " + (f"BUD {bud.isoformat()}" if bud else "NO BUD")


#: What each AI must hold, for people (the parser's own message quotes its pattern).
_EXPECTED = {
    "01": "a GTIN of 14 digits",
    "17": "an expiry date YYMMDD (month 01-12, day 00-31)",
    "10": "a lot of 1 to 20 characters",
    "21": "a serial of 1 to 20 characters",
}


def _why(error: Exception) -> str:
    """The parser's complaint in words: which AI, what it holds, what it should hold."""
    text = str(error)
    found = re.search(r"match '(\d{2})(\S*)' with GS1 AI \((\d{2,4})\)", text)
    if found is None:
        return "its application identifiers cannot be read (check the scanner's settings)"
    ai, value = found.group(3), found.group(2)[len(found.group(3)) - 2 :]
    value = value if len(value) <= 40 else value[:37] + "..."
    expected = _EXPECTED.get(ai, "what GS1 specifies for it")
    return f"AI ({ai}) holds '{value}', and it must be {expected}"


def read_scan(text: str) -> Scan:
    """
    Read one GS1 element string (printed or scanned form).

    Raises:
        ScanError: it cannot be parsed, AI 01, 17 or 10 is missing, or the GTIN fails
            its check digit; the message names the problem.
    """
    from biip import ParseError  # noqa: PLC0415 - only when a scan is read
    from biip.gs1_messages import GS1Message  # noqa: PLC0415

    raw = text.strip("\r\n")
    shown = raw.replace(GS, "<GS>")
    if len(shown) > 80:
        shown = shown[:77] + "..."
    if not raw.strip():
        raise ScanError("an empty scan")
    if any(c.isspace() and c != GS for c in raw.strip(" ")):
        # biip would drop a space inside a value; GS1 values never hold one.
        raise ScanError(f"the scan {shown!r} holds a space: GS1 element strings have none")
    try:
        if raw.lstrip().startswith("("):
            message = GS1Message.parse_hri(raw.strip())
        else:
            body = _SYMBOLOGY.sub("", raw.strip(" "), count=1).lstrip(GS)
            message = GS1Message.parse(body)
    except ParseError as error:
        raise ScanError(f"the scan {shown!r} is not a GS1 element string: {_why(error)}") from None
    fields = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai in fields:
            raise ScanError(f"the scan {shown!r} gives AI ({ai}) twice")
        if ai == "01" and element.gtin_error:
            raise ScanError(f"the scan {shown!r}: {element.gtin_error}")
        fields[ai] = element
    missing = [ai for ai in ("01", "17", "10") if ai not in fields]
    if missing:
        names = {"01": "(01) GTIN", "17": "(17) expiry", "10": "(10) lot"}
        raise ScanError(
            f"the scan {shown!r} has no {', '.join(names[m] for m in missing)}: a box "
            "is received with its GTIN, expiry and lot"
        )
    expiry = fields["17"].date
    if expiry is None:  # pragma: no cover - biip gives the date of every valid AI 17
        raise ScanError(f"the scan {shown!r}: the expiry cannot be read")
    gtin = fields["01"].value
    problem = gtin_problem(gtin)
    if problem is not None:
        raise ScanError(f"the scan {shown!r}: {problem}")
    serial = fields["21"].value if "21" in fields else None
    return Scan(gtin=gtin, expiry=expiry, lot=fields["10"].value, serial=serial, text=raw)


__all__ = [
    "GS",
    "Scan",
    "ScanError",
    "check_digit",
    "element_string",
    "gtin_problem",
    "label_code",
    "read_scan",
]
