#!/usr/bin/env python3
"""Validates every step of every vector against its operation's schemas.

`conformance/op-schemas.json` holds, per op, a JSON Schema for the step's `input` and for its
`expect` output; their `$ref`s point into `core/schema/authcore.schema.json` (generated from
the Rust types by `authcore-typegen`) and `core/schema/provider.schema.json`. A value
`{"$ref": "name.path"}` (a binding placeholder) is valid wherever it stands. An op listed in
`lenient_on_error` has those input members checked only as present in steps that expect an
error (vectors that attack the core send malformed settings on purpose). Exits 1 naming each
failing step, and on any op a vector uses that has no schemas.

Usage: check_op_schemas.py [VECTOR_DIR_OR_FILE ...]   (default: conformance/vectors)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import jsonschema
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
OP_SCHEMAS = ROOT / "conformance/op-schemas.json"
SHAPES = [ROOT / "core/schema/authcore.schema.json", ROOT / "core/schema/provider.schema.json"]
Path_ = Tuple[Any, ...]


def merged_refs(schema: Any) -> Iterator[str]:
    """The `$ref`s that a schema merges with members of its own (a newtype variant of a
    tagged union: the variant is the referenced shape plus `type`)."""
    if isinstance(schema, dict):
        if "$ref" in schema and "properties" in schema:
            yield schema["$ref"]
        for v in schema.values():
            yield from merged_refs(v)
    elif isinstance(schema, list):
        for v in schema:
            yield from merged_refs(v)


def closed(schema: Any, flattened: bool = False, keep_open: frozenset = frozenset()) -> Any:
    """`schema` with every object shape closed: serde ignores unknown members of a type without
    `deny_unknown_fields`, but the core never writes one and a vector never needs one, so a
    misspelt member fails here. A shape with `properties` and `oneOf` (a flattened union) is
    closed with `unevaluatedProperties` on the whole, not on each variant."""
    if isinstance(schema, list):
        return [closed(s, keep_open=keep_open) for s in schema]
    if not isinstance(schema, dict):
        return schema
    union = "properties" in schema and ("oneOf" in schema or "$ref" in schema)
    out = {}
    for k, v in schema.items():
        if k == "oneOf":
            out[k] = [closed(s, flattened=union, keep_open=keep_open) for s in v]
        elif k == "$defs":
            out[k] = {n: closed(s, flattened=f"#/$defs/{n}" in keep_open, keep_open=keep_open) for n, s in v.items()}
        elif k == "properties":
            out[k] = {name: closed(s, keep_open=keep_open) for name, s in v.items()}
        else:
            out[k] = closed(v, keep_open=keep_open)
    if union and "unevaluatedProperties" not in out:
        out["unevaluatedProperties"] = False
    elif "properties" in out and "additionalProperties" not in out and not flattened:
        out["additionalProperties"] = False
    return out


def registry() -> Registry:
    resources = []
    for path in SHAPES:
        doc = json.loads(path.read_text())
        doc = closed(doc, keep_open=frozenset(merged_refs(doc)))
        resources.append((doc["$id"], Resource.from_contents(doc)))
    return Registry().with_resources(resources)


def placeholders(value: Any, at: Path_ = ()) -> Iterator[Path_]:
    """The paths of every `{"$ref": "..."}` binding placeholder in `value`."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("$ref"), str):
            yield at
            return
        for k, v in value.items():
            yield from placeholders(v, at + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from placeholders(v, at + (i,))


def problems(validator: Any, value: Any, lenient: Sequence[str] = ()) -> List[str]:
    """Schema errors in `value`, except those whose subtree holds a placeholder or is lenient."""
    skip = list(placeholders(value)) + [(m,) for m in lenient]
    out = []
    for err in validator.iter_errors(value):
        at = tuple(err.absolute_path)
        if any(p[: len(at)] == at or at[: len(p)] == p for p in skip):
            continue
        where = "/".join(str(p) for p in at) or "(top)"
        out.append(f"{where}: {err.message[:200]}")
    return out


def merge(base: Any, overrides: Any) -> Any:
    """The profile merge rule (conformance/README.md, "Profiles"): objects member by member,
    anything else replaced by `overrides`."""
    if isinstance(base, dict) and isinstance(overrides, dict):
        out = dict(base)
        for k, v in overrides.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    return overrides


def with_profile(entry: Dict[str, Any], value: Any) -> Any:
    """A constructor step's input with the named profile's section merged under its settings
    (unchanged when the step names no profile or the profile does not exist)."""
    if "profile" not in entry or not isinstance(value, dict) or not isinstance(value.get("profile"), str):
        return value
    path = ROOT / "core/profiles" / f"{value['profile']}.json"
    if not path.is_file():
        return value
    section = json.loads(path.read_text()).get(entry["profile"]["section"])
    if section is None:
        return value
    out = dict(value)
    member = entry["profile"]["settings"]
    out[member] = merge(section, value.get(member) or {})
    return out


def vector_files(args: Sequence[str]) -> List[Path]:
    roots = [Path(a) for a in args] or [ROOT / "conformance/vectors"]
    files: List[Path] = []
    for r in roots:
        files.extend(sorted(r.rglob("*.json")) if r.is_dir() else [r])
    return files


def check(files: Sequence[Path]) -> Tuple[int, List[str]]:
    """(steps checked, failures)."""
    spec = json.loads(OP_SCHEMAS.read_text())["ops"]
    reg = registry()
    validators: Dict[Tuple[str, str], Any] = {}

    def validator(op: str, part: str) -> Any:
        if (op, part) not in validators:
            cls = jsonschema.validators.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema"})
            validators[(op, part)] = cls(spec[op][part], registry=reg)
        return validators[(op, part)]

    failures: List[str] = []
    steps = 0
    for f in files:
        doc = json.loads(f.read_text())
        for case in doc.get("cases", []):
            for i, step in enumerate(case["steps"]):
                op = step["op"]
                where = f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}: {case['name']} step {i} ({op})"
                if op not in spec:
                    failures.append(f"{where}: no schemas for op {op!r} in conformance/op-schemas.json")
                    continue
                steps += 1
                lenient = list(spec[op].get("lenient_on_error", {})) if "expect_error" in step else []
                for p in problems(validator(op, "input"), with_profile(spec[op], step.get("input", {})), lenient):
                    failures.append(f"{where}: input {p}")
                if "expect" in step:
                    for p in problems(validator(op, "output"), step["expect"]):
                        failures.append(f"{where}: expect {p}")
    return steps, failures


def main(argv: Sequence[str]) -> int:
    steps, failures = check(vector_files(argv))
    for line in failures:
        print(line, file=sys.stderr)
    if failures:
        print(f"check_op_schemas: {len(failures)} problems in {steps} steps", file=sys.stderr)
        return 1
    print(f"check_op_schemas: {steps} steps match their op's input and output schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
