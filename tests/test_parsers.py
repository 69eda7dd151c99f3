"""
The fast parsers behave exactly as the standard library (issue 14): rtoml for TOML
against tomllib, orjson for JSON output against json.

Every difference that exists between the libraries (TOML 1.1 leniencies of rtoml, its
tzinfo class, what tomllib accepts and rtoml refuses) is tested, plus every TOML file of
the repository and generated documents; each must give tomllib's values and types, or
tomllib's own error.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.cli import main
from mesoformula.cli._common import json_text
from mesoformula.files import _syntax
from mesoformula.files._syntax import parse_toml

from .conftest import ROOT


def canonical(value: Any) -> Any:
    """A value with its types made visible (and NaN comparable)."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    if isinstance(value, dt.datetime):
        zone = value.tzinfo
        return ("datetime", value.isoformat(), type(zone).__name__, repr(zone))
    return (type(value).__name__, value)


def outcome(parse: Any, text: str) -> Any:
    try:
        return ("ok", canonical(parse(text)))
    except tomllib.TOMLDecodeError as error:
        return ("error", str(error))


def same_as_tomllib(text: str) -> None:
    assert outcome(tomllib.loads, text) == outcome(parse_toml, text), text


def test_rtoml_is_in_use() -> None:
    """The fast path is tested here, not only the fallback."""
    assert _syntax.fast_toml()


@pytest.mark.parametrize(
    "text",
    [
        # dates and times, with their tzinfo types
        "a = 1979-05-27T07:32:00Z",
        "a = 1979-05-27T07:32:00-07:00",
        "a = 1979-05-27T07:32:00+00:00",
        "a = 1979-05-27 07:32:00.999999+05:30",
        "a = 1979-05-27T07:32:00",
        "a = 1979-05-27",
        "a = 07:32:00",
        "a = [1979-05-27T07:32:00Z, 1979-05-27T07:32:00-01:00]",
        "[t]\na = { at = 2026-12-01T08:00:00+01:00 }",
        # TOML 1.1 leniencies of rtoml that TOML 1.0 (tomllib) refuses
        "a = 07:32",
        "a = 1979-05-27T07:32",
        "a = 1979-05-27T07:32Z",
        "a = 1979-05-27 07:32-07:00",
        "a = { b = 1, }",
        "a = {\n b = 1\n}",
        'a = "\\e"',
        'a = "\\x41"',
        # duplicate keys and tables
        "a = 1\na = 2",
        "[t]\nx = 1\n[t]\ny = 2",
        "a = { b = 1, b = 2 }",
        # numbers
        "a = 99999999999999999999",
        "a = -9223372036854775809",
        "a = 1e400",
        "a = nan",
        "a = -inf",
        "a = 0x1F",
        "a = 01",
        "a = 1.",
        # strings and structure
        'a = "\\u00e9"',
        "a = '''\nx'''",
        'a = "x\ty"',
        'a = "\x7f"',
        'a = "\x00"',
        "a.b = 1\na.b.c = 2",
        "a = [1,,2]",
        "a = 1\r\nb = 2",
        "a = 1\rb = 2",
        "a = true\nb = True",
        'a = "at 07:32 the vial was opened"',
        "# comment 07:32\na = 1",
    ],
)
def test_known_differences(text: str) -> None:
    same_as_tomllib(text)


def test_deep_nesting_is_refused_before_either_parser() -> None:
    from mesoformula.files._syntax import SyntaxProblem, check_nesting

    text = "a = " + "[" * 70 + "]" * 70
    with pytest.raises(SyntaxProblem, match="nested more than"):
        check_nesting(text, "toml")
    same_as_tomllib("a = " + "[" * 60 + "]" * 60)


REPOSITORY_TOML = sorted(
    p
    for folder in ("catalog", "examples", "tests/data", "docs")
    for p in (ROOT / folder).rglob("*.toml")
)


@pytest.mark.parametrize("path", REPOSITORY_TOML, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_toml_file_of_the_repository(path: Path) -> None:
    same_as_tomllib(path.read_text(encoding="utf-8", errors="replace").removeprefix("\ufeff"))


def test_the_corpus_is_not_empty() -> None:
    assert len(REPOSITORY_TOML) > 40


FRAGMENTS = [
    'a = "x"',
    "b = 1",
    "c = 1.5",
    "d = true",
    "e = 1979-05-27T07:32:00Z",
    "f = 1979-05-27T07:32:00-07:00",
    "g = 07:32:00",
    "h = 07:32",
    "i = [1, 2]",
    "j = { k = 1 }",
    "j = { k = 1, }",
    "l = {\nk = 1}",
    "[t]",
    "[[u]]",
    "m.n = 2",
    'o = "\\e"',
    "p = '''\nx\n'''",
    "# comment",
    "",
    "q = 1e400",
    "r = nan",
    "b = 2",
    "[t]",
    "s = 0o17",
    "t = -0.0",
    'v = "\\u00e9\\t"',
    "w = [",
    "x = ]",
    "y = 1979-05-27",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_generated_documents(lines: list[str], newline: str) -> None:
    """Any mix of fragments, valid or not, parses as tomllib parses it."""
    same_as_tomllib(newline.join(lines))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab=" \n[]{},.:0179-TZe\\#\t')), max_size=40))
def test_generated_noise(text: str) -> None:
    """Even noise gives tomllib's outcome (its value, or its own error)."""
    same_as_tomllib(text)


def test_without_rtoml_the_standard_library_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_syntax, "_rtoml", None)
    same_as_tomllib((ROOT / "examples" / "hair-revitalizing.toml").read_text(encoding="utf-8"))
    same_as_tomllib("a = 07:32")


def test_a_syntax_error_keeps_tomllibs_line() -> None:
    """The finding of a broken file is tomllib's (line and column), rtoml or not."""
    text = 'format = "mesoformula.formulation/1"\nid = "x"\nname = = 1\n'
    from mesoformula.files import loads

    document = loads(text, "toml", path="x.toml")
    (finding,) = document.findings
    assert ("file.syntax", 3) == (finding.code, finding.line)
    assert "(at line 3, column" in finding.message


# ---------------------------------------------------------------- JSON output


def test_json_output_is_the_standard_librarys_data(tmp_path: Path) -> None:
    """A report written with orjson reads back as the same data as json.dumps gives."""
    out = io.StringIO()
    main(["validate", str(ROOT / "examples"), "--format", "json"], out=out)
    data = json.loads(out.getvalue())
    assert data == json.loads(json.dumps(data, indent=2, ensure_ascii=False))
    assert out.getvalue() == json_text(data)
    assert out.getvalue().endswith("}\n")
    assert "é" in json_text({"x": "é"})  # not escaped, as ensure_ascii=False


@pytest.mark.parametrize(
    "data",
    [
        {"a": 1e16, "b": 1.5e-7, "c": [1, {"d": None}], "e": "é"},
        {"big": 2**70},  # beyond orjson: the standard library writes it
        {"nested": [[[]]], "t": True},
        [],
    ],
)
def test_json_text_is_valid_and_equal(data: Any) -> None:
    text = json_text(data)
    assert data == json.loads(text)
    assert text.endswith("\n")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789:+-{},\n \\exT٣²a\t")), max_size=24))
def test_the_fast_screen_finds_what_the_expression_finds(text: str) -> None:
    """not_toml_10 (string searches first) answers as the regular expression does."""
    assert bool(_syntax._NOT_TOML_10.search(text)) == _syntax.not_toml_10(text)


def test_printable_text_has_no_control_character() -> None:
    """The fast path of control_character: no printable code point is a control one."""
    from mesoformula._text import _CONTROL

    assert [] == [
        hex(n) for n in range(0x110000) if chr(n).isprintable() and _CONTROL.search(chr(n))
    ]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789:+-Zz. T\n")), max_size=30))
def test_the_offset_screen_finds_what_the_expression_finds(text: str) -> None:
    assert bool(_syntax._OFFSET_DATETIME.search(text)) == _syntax.has_offset_datetime(text)
