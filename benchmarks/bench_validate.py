"""
Benchmark validate (SPEC §8.11, issue 14): every figure a ratio against a baseline
measured in the same run, in order-balanced rounds (see ``_measure``), on realistic
files (about 2 KB, 5 to 8 components, see ``_files``).

1. In one process: validating N files against parsing them with ``tomllib`` alone
   (the floor of any validator written in Python), one process and ``--jobs``.
2. Whole commands on the same N files: ``mesoformula validate DIR`` against
   ``check-jsonschema`` with mesoformula's own generated schema (the peer a user would
   otherwise run; it checks shapes only, no composition, dose or allergy).
3. Cold start on one file: ``mesoformula validate one.toml`` against ``python -c pass``
   and against ``check-jsonschema`` on that file.
4. The start-up budget: what each import costs (``python -X importtime``), per group,
   against the budget stated here.

Run:  python benchmarks/bench_validate.py [--files 1000] [--rounds 7] [--starts 21]
The peer: pip install '.[bench]' (check-jsonschema); without it, its lines say so.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections import defaultdict
from pathlib import Path

from _files import write_files
from _measure import environment, pairs, process, python

from mesoformula.files.catalogs import load_catalog
from mesoformula.files.schema import json_schema
from mesoformula.validate import default_jobs, validate_paths

#: Import budget of a cold one-file validate, in ms of self time per group as
#: ``-X importtime`` reports it (it inflates small imports), beyond what ``python -c
#: pass`` imports itself: a guardrail set on the 2-core reference machine, so that a
#: new eager import shows.
BUDGET_MS = {
    "mesoformula": 55.0,
    "attrs": 20.0,
    "cattrs": 15.0,
    "rtoml": 3.0,
    "standard library and others": 45.0,
}


def group_of(module: str) -> str:
    top = module.strip().split(".")[0]
    if top == "mesoformula":
        return "mesoformula"
    if top in ("attr", "attrs"):
        return "attrs"
    if top == "cattrs":
        return "cattrs"
    if top == "rtoml":
        return "rtoml"
    return "standard library and others"


def import_budget(one: Path, runs: int) -> None:
    """Self time per import group of a cold validate (median of *runs*), against BUDGET_MS."""
    totals: dict[str, list[float]] = defaultdict(list)
    modules: dict[str, list[float]] = defaultdict(list)
    pattern = re.compile(r"import time:\s+(\d+) \|\s+\d+ \| (.*)$")
    baseline = subprocess.run(
        python("-X", "importtime", "-c", "pass"),
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    already = {
        found.group(2).strip()
        for found in map(pattern.match, baseline.stderr.splitlines())
        if found is not None
    }
    for _ in range(runs):
        done = subprocess.run(
            python("-X", "importtime", "-m", "mesoformula", "validate", str(one)),
            env=environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        groups: dict[str, float] = defaultdict(float)
        for line in done.stderr.splitlines():
            found = pattern.match(line)
            if found and found.group(2).strip() not in already:
                name = found.group(2).strip()
                groups[group_of(name)] += int(found.group(1)) / 1000
                if name.startswith("mesoformula"):
                    modules[name].append(int(found.group(1)) / 1000)
        for group in BUDGET_MS:
            totals[group].append(groups.get(group, 0.0))
    print(
        "import self time of a cold one-file validate beyond python -c pass "
        "(median of runs), against budget:"
    )
    for group, budget in BUDGET_MS.items():
        spent = sorted(totals[group])[len(totals[group]) // 2]
        flag = "ok" if spent <= budget else "OVER"
        print(f"  {group:30} {spent:6.1f} ms  budget {budget:5.1f} ms  {flag}")
    heaviest = sorted(modules.items(), key=lambda kv: -sorted(kv[1])[len(kv[1]) // 2])[:8]
    print(
        "  heaviest mesoformula modules: "
        + ", ".join(f"{name} {sorted(times)[len(times) // 2]:.1f}" for name, times in heaviest)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--starts", type=int, default=21)
    args = parser.parse_args()
    peer = shutil.which("check-jsonschema")
    loaded = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        paths = write_files(folder, args.files)
        schema = Path(tmp) / "formulation.schema.json"
        schema.write_text(json.dumps(json_schema("formulation")), encoding="utf-8")
        size = sum(p.stat().st_size for p in paths) / len(paths)
        print(f"{len(paths)} files, {size:.0f} bytes each on average, 5 to 8 components")

        def parse_only() -> None:
            for path in paths:
                with path.open("rb") as handle:
                    tomllib.load(handle)

        reports = validate_paths([folder], loaded)
        assert len(reports) == len(paths)
        assert not any(f.severity == "error" for r in reports for f in r.findings)
        jobs = default_jobs()
        print("1. in one process (same rounds, alternating order):")
        one = pairs(parse_only, lambda: validate_paths([folder], loaded), args.rounds)
        print("  " + one.line("tomllib parse alone", "validate, 1 process", "<= 1.5x"))
        if jobs > 1:
            many = pairs(
                parse_only, lambda: validate_paths([folder], loaded, jobs=jobs), args.rounds
            )
            print("  " + many.line("tomllib parse alone", f"validate, {jobs} processes", "<= 1.5x"))

        print("2. whole commands on the same files:")
        ours = process(python("-m", "mesoformula", "validate", str(folder)))
        if peer:
            theirs = process([peer, "--schemafile", str(schema), *map(str, paths)])
            whole = pairs(theirs, ours, max(3, args.rounds // 2))
            print("  " + whole.line("check-jsonschema", "mesoformula validate", "<= 0.3x"))
        else:
            print("  check-jsonschema is not installed (pip install '.[bench]'): not measured")

        print("3. cold start on one file:")
        first = str(paths[0])
        cold = process(python("-m", "mesoformula", "validate", first))
        bare = pairs(process(python("-c", "pass")), cold, args.starts)
        print("  " + bare.line("python -c pass", "mesoformula validate one.toml", "<= 6x"))
        if peer:
            theirs_one = process([peer, "--schemafile", str(schema), first])
            peer_one = pairs(theirs_one, cold, max(5, args.starts // 2))
            print("  " + peer_one.line("check-jsonschema one.toml", "mesoformula", "<= 0.3x"))
        deps = pairs(
            process(python("-c", "pass")), process(python("-c", "import attrs, cattrs")), 11
        )
        print("  for context: " + deps.line("python -c pass", "import attrs, cattrs"))
        print("4. start-up budget:")
        import_budget(paths[0], 7)


if __name__ == "__main__":
    main()
