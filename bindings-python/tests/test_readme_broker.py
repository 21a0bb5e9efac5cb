"""The broker example in README.md (authsome provider files, default connection, revocation,
introspection, readiness), run as written."""

import os
import re
from typing import Any, Dict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def example(name: str) -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- example: %s -->\n```python\n(.*?)```\n<!-- /example -->" % re.escape(name), text, re.S)
    assert m, "README.md lost its %s example" % name
    return m.group(1)


def test_broker_authsome_example() -> None:
    ns: Dict[str, Any] = {}
    exec(compile(example("broker-authsome"), "README.md", "exec"), ns)
    assert [c["provider"] for c in ns["connections"]] == ["acme", "acme"]
    assert ns["request"]["url"] == "https://git.example/oauth/introspect"
    assert "client_id=cli" in ns["request"]["body"]
