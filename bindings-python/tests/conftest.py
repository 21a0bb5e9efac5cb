import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "conformance", "python"))

# The tests run against the installed wheel, never the source tree.
import authcore  # noqa: E402

assert os.path.join("bindings-python", "python") not in (authcore.__file__ or ""), authcore.__file__
