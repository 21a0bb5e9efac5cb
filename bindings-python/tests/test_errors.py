"""The exception hierarchy mirrors the catalog exactly."""

import pickle

import pytest

import authcore
from authcore import _authcore, errors
from authcore.jwt import Verifier


def test_one_class_per_code_in_the_right_family() -> None:
    family_class = {
        "token": errors.TokenError, "oauth": errors.OAuthError, "session": errors.SessionError,
        "access": errors.AccessError, "account": errors.AccountError, "broker": errors.BrokerError,
        "input": errors.InputError, "transport": errors.TransportError,
    }
    catalog = _authcore.catalog()
    assert len(catalog) == len(errors._BY_CODE)
    for row in catalog:
        cls = errors.error_class(row["code"])
        assert cls.code == row["code"] and cls.status == row["status"]
        assert issubclass(cls, family_class[row["family"]])
        assert cls.__doc__ and row["detail"].replace('"', "'") in cls.__doc__
        assert getattr(authcore, cls.__name__) is cls


def test_raised_errors_carry_code_status_detail_field() -> None:
    v = Verifier(algorithms=["HS256"], keys=[{"alg": "HS256", "secret": "x" * 32}])
    with pytest.raises(authcore.InvalidToken) as info:
        v.verify("not a token", now=0)
    e = info.value
    assert isinstance(e, authcore.TokenError) and isinstance(e, authcore.AuthError)
    assert (e.code, e.status) == ("invalid_token", 401)
    assert e.to_dict() == {"detail": e.detail, "code": "invalid_token"}
    assert "invalid_token (401)" in str(e)
    assert "not a token" not in e.detail, "errors never echo the token"


def test_input_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        Verifier(algorithms=[], keys=[{"alg": "HS256", "secret": "x" * 32}])
    with pytest.raises(authcore.InvalidConfig) as info:
        Verifier(algorithms=[], keys=[{"alg": "HS256", "secret": "x" * 32}])
    assert info.value.field == "algorithms"


def test_exceptions_pickle() -> None:
    e = authcore.SubscriptionRequired("Active subscription required.", "subscription_required", 402, None)
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is authcore.SubscriptionRequired
    assert back.to_dict() == {"detail": "Active subscription required.", "code": "subscription_required"}


def test_error_body() -> None:
    assert _authcore.error_body("subscription_required") == '{"detail":"Active subscription required.","code":"subscription_required"}'
    with pytest.raises(ValueError):
        _authcore.error_body("no_such_code")
