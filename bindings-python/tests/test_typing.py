"""The stubs name every setting and type every result: mypy refuses a misspelt keyword or field
(and accepts the right ones)."""


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


VERIFY = 'from authcore.jwt import Verifier\nv = Verifier(algorithms=["HS256"], keys=[])\n'
ACTION = (
    "from authcore.tokens import RequestDriver\n"
    'd = RequestDriver(token_endpoint="https://a.example/token")\n'
    "a = d.poll_action()\n"
    'if a is not None and a["type"] == "send":\n'
)


@pytest.mark.parametrize(
    "snippet, message",
    [
        (VERIFY + 'print(v.verify("t")["claimz"])\n', '"claimz"'),
        (ACTION + '    print(a["requst"])\n', '"requst"'),
        (ACTION + '    print(a["stored"])\n', '"stored"'),  # a member of another variant
        ("from authcore.device import DeviceClient\nprint(DeviceClient.restore({}).status()[\"intervall\"])\n", '"intervall"'),
        ("from authcore.gate import Gate\nd = Gate().authenticate({})\nif d[\"type\"] == \"deny\":\n    print(d[\"context\"])\n", '"context"'),
    ],
)
def test_mypy_refuses_a_misspelt_field_of_a_result(snippet: str, message: str) -> None:
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "-c", snippet])
    assert status == 1, out + err
    assert "error:" in out and message in out, out


@pytest.mark.parametrize(
    "snippet",
    [
        VERIFY + 'print(v.verify("t")["claims"]["sub"], v.verify("t")["alg"])\n',
        ACTION + '    print(a["request"]["url"], a["transmit"], a.get("request_id"))\n',
        "from authcore.types import TokenSet\nt: TokenSet = {\"access_token\": \"a\", \"token_type\": \"Bearer\", \"expires_at\": 1}\n",
    ],
)
def test_mypy_accepts_the_right_fields(snippet: str) -> None:
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "-c", snippet])
    assert status == 0, out + err


def test_the_types_import_at_run_time() -> None:
    from authcore import types

    assert types.SendAction.__required_keys__ == frozenset({"type", "transmit", "request"})
    assert "request_id" in types.SendAction.__optional_keys__
    assert set(types.Action.__args__) >= {types.SendAction, types.FailedAction}


def test_mypy_accepts_the_right_settings() -> None:
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "-c", GOOD])
    assert status == 0, out + err
