"""The typed shapes stay in step: every op of conformance/README.md's table has schemas in
op-schemas.json (and no other op does), and the Python and TypeScript types are what
bindings-python/tools/gen_types.py writes from core/schema/authcore.schema.json; an edited
schema makes both differ."""
import copy
import importlib.util
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_gen_types():
    spec = importlib.util.spec_from_file_location("gen_types", os.path.join(ROOT, "bindings-python/tools/gen_types.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def readme_ops():
    """The ops of the README's "Operations" table, read as `tools/check_ops.py` reads them."""
    spec = importlib.util.spec_from_file_location("check_ops", os.path.join(ROOT, "conformance/tools/check_ops.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with open(os.path.join(ROOT, "conformance/README.md"), encoding="utf-8") as f:
        return set(mod.readme_ops(f.read()))


def test_every_documented_op_has_schemas_and_no_other():
    documented = readme_ops()
    specified = set(json.load(open(os.path.join(ROOT, "conformance/op-schemas.json")))["ops"])
    assert len(documented) > 80
    assert documented == specified, (sorted(documented - specified), sorted(specified - documented))


def test_generated_types_are_current():
    g = load_gen_types()
    assert g.main(["--check"]) == 0


def test_an_edited_schema_changes_both_outputs():
    g = load_gen_types()
    defs = json.load(open(g.SCHEMA))["$defs"]
    edited = copy.deepcopy(defs)
    claims = edited["VerifiedToken"]["properties"].pop("claims")
    edited["VerifiedToken"]["properties"]["claimz"] = claims
    py, ts = g.render_python(g.Model(edited)), g.render_ts(g.Model(edited))
    assert py != open(g.PY_OUT).read() and "claimz: Dict[str, Any]" in py
    assert ts != open(g.TS_OUT).read() and "claimz?: Record<string, unknown>;" in ts


def test_tagged_variants_carry_their_tag_and_options_are_camel_case():
    g = load_gen_types()
    ts = open(g.TS_OUT).read()
    assert re.search(r"export interface SendAction \{\n  type: \"send\";", ts)
    assert "export type Action = SendAction | LoadTokensAction | SaveTokensAction | CompleteAction | ReauthenticateAction | SignedOutAction | ClearTokensAction | FailedAction;" in ts
    options = ts[ts.index("export interface VerifierConfigOptions {") :]
    options = options[: options.index("}")]
    assert "maxTokenBytes?: number;" in options and "max_token_bytes" not in options
    # No `any` type (doc comments and string literal types such as `"any"` aside).
    assert re.search(r"\bany\b", re.sub(r'"[^"\n]*"', '""', re.sub(r"/\*\*.*?\*/", "", ts))) is None
