"""The stubs name every setting: mypy refuses a misspelt keyword (and accepts the right one)."""


import pytest

mypy_api = pytest.importorskip("mypy.api")

GOOD = """
from authcore.jwt import Verifier
Verifier(algorithms=["HS256"], keys=[{"alg": "HS256", "secret": "x" * 32}], audience="api")
"""


@pytest.mark.parametrize(
    "snippet, message",
    [
        ('from authcore.jwt import Verifier\nVerifier(algorithms=["HS256"], keys=[], audiense="api")\n', '"audiense"'),
        ('from authcore.jwt import Issuer\nIssuer({"alg": "HS256"}, life_time=60)\n', '"life_time"'),
        ('from authcore.tokens import RequestDriver\nRequestDriver(token_endpoint="https://a/t", api_origin=["x"])\n', '"api_origin"'),
        ('from authcore.device import DeviceClient\nDeviceClient(base_url="https://a", clientid="c")\n', '"clientid"'),
        ('from authcore.gate import Gate\nGate(route=[])\n', '"route"'),
        ('from authcore.password import Accounts\nAccounts(memory=64)\n', '"memory"'),
        ('from authcore.jwt import Verifier\nVerifier(algorithms=["HS257"], keys=[])\n', "HS257"),
    ],
)
def test_mypy_refuses_a_misspelt_setting(snippet: str, message: str) -> None:
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "-c", snippet])
    assert status == 1, out + err
    assert "error:" in out and message in out, out


def test_mypy_accepts_the_right_settings() -> None:
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "-c", GOOD])
    assert status == 0, out + err
