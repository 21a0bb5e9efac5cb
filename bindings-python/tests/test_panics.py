"""A Rust panic never reaches Python as pyo3's ``PanicException`` (a ``BaseException`` that
``except Exception`` does not catch): every entry point runs under ``catch_unwind`` and a
panic becomes ``authcore.Internal``. Hostile objects (subclasses whose methods mutate what is
being converted, or lie) give an ``AuthError``, ``TypeError`` or ``ValueError``, or work."""

import os
import re
import subprocess
import sys
from typing import Any, Callable, Dict, List

import pytest

import authcore
from authcore import _authcore, device, jwt, session, tokens

KEY = {"alg": "HS256", "secret": "k" * 32}
ALLOWED = (authcore.AuthError, TypeError, ValueError, OverflowError)
HERE = os.path.dirname(os.path.abspath(__file__))
LIB_RS = os.path.join(os.path.dirname(HERE), "src", "lib.rs")


def clean(f: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Calls f; only a result or an allowed exception may come out."""
    try:
        f(*args, **kwargs)
    except ALLOWED:
        pass
    except BaseException as e:  # PanicException derives from BaseException
        pytest.fail("%s raised %s: %s" % (getattr(f, "__name__", f), type(e).__name__, e))


def test_a_panic_becomes_internal() -> None:
    with pytest.raises(authcore.Internal) as info:
        _authcore._panic_for_tests()
    e = info.value
    assert isinstance(e, Exception) and isinstance(e, authcore.AuthError)
    assert (e.code, e.status) == ("internal", 500)
    assert "deliberate" not in str(e), "the panic message is not put in the error"
    # And `except Exception` catches it.
    try:
        _authcore._panic_for_tests()
    except Exception:
        pass


def mutating_list(target: Dict[str, Any]) -> List[Any]:
    class Evil(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            target.clear()
            for i in range(10):
                target["added%d" % i] = i
            return super().__iter__()

        def __len__(self) -> int:
            target["len"] = 1
            return 2**62

    return Evil([1, 2, 3])


def test_list_subclass_mutating_the_dict_being_converted() -> None:
    # The reported case: converting the dict runs the list's __iter__, which changes the dict.
    claims: Dict[str, Any] = {"sub": "u", "a": 1, "b": 2}
    claims["aud"] = mutating_list(claims)
    clean(jwt.Issuer(KEY).issue, claims, now=0)

    config: Dict[str, Any] = {"token_endpoint": "https://a.example/t"}
    config["extra"] = mutating_list(config)
    clean(tokens.RequestDriver, config)

    verifier_config: Dict[str, Any] = {}
    verifier_config["algorithms"] = mutating_list(verifier_config)
    clean(jwt.Verifier, verifier_config, keys=[KEY])

    grant: Dict[str, Any] = {"version": 1, "status": "pending"}
    grant["claims"] = {"x": mutating_list(grant)}
    authority = device.DeviceAuthority(verification_uri="https://a.example/d")
    clean(authority.enter_user_code, None, grant, "BCDF-GHJK", 0)
    clean(authority.approve, grant, "u", {"nested": mutating_list(grant)}, 0)

    env: Dict[str, Any] = {"JWT_SECRET_KEY": "k" * 32}
    env["JWT_ISSUER"] = mutating_list(env)
    clean(jwt.from_env, env)


def test_dict_subclass_mutating_itself() -> None:
    class Evil(dict):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            self.clear()
            return super().__iter__()

        def keys(self):  # type: ignore[no-untyped-def]
            self["k"] = 1
            return super().keys()

        def items(self):  # type: ignore[no-untyped-def]
            self.pop("sub", None)
            return super().items()

        def __len__(self) -> int:
            return 2**62

    claims = Evil(sub="u", aud="a")
    clean(jwt.Issuer(KEY).issue, claims, now=0)
    clean(jwt.Verifier, Evil(algorithms=["HS256"]), keys=[KEY])
    clean(jwt.from_env, Evil(JWT_SECRET_KEY="k" * 32))
    clean(session.SessionManager, Evil(idle_timeout=60))


def test_hostile_eq_hash_str_objects() -> None:
    class Key(str):
        __hash__ = str.__hash__  # a dict cannot even hold a key whose hash raises

        def __eq__(self, other: object) -> bool:
            raise RuntimeError("eq")

        def __str__(self) -> str:
            raise RuntimeError("str")

    class Num(int):
        def __index__(self) -> int:
            raise RuntimeError("index")

        def __int__(self) -> int:
            raise RuntimeError("int")

    class Flt(float):
        def __float__(self) -> float:
            raise RuntimeError("float")

    claims: Dict[str, Any] = {"sub": "u", Key("aud"): Key("x"), "n": Num(5), "f": Flt(1.5)}
    clean(jwt.Issuer(KEY).issue, claims, now=0)
    clean(jwt.Verifier, {"algorithms": [Key("HS256")], "leeway": Num(1)}, keys=[KEY])
    clean(tokens.freshness, {"access_token": Key("a"), "token_type": "Bearer", "expires_at": Num(10)}, now=0)
    clean(jwt.Verifier(algorithms=["HS256"], keys=[KEY]).verify, Key("a.b.c"), now=0)


def test_lying_len_as_entropy_is_a_type_error() -> None:
    # A generic sequence conversion would reserve len() bytes first: 2**62 aborts the process.
    # Run in a child so a regression fails this test instead of killing the test run.
    code = (
        "import authcore\n"
        "class Evil(list):\n"
        "    def __len__(self): return 2**62\n"
        "try:\n"
        "    authcore.jwt.Issuer({'alg': 'HS256', 'secret': 'k' * 32}).issue({'sub': 'u'}, 0, Evil([1]))\n"
        "except TypeError as e:\n"
        "    print('TypeError', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("TypeError entropy: expected bytes"), out.stdout
    with pytest.raises(TypeError):
        jwt.Issuer(KEY).issue({"sub": "u"}, 0, [7] * 16)  # type: ignore[arg-type]
    assert jwt.Issuer(KEY).issue({"sub": "u"}, 0, bytearray(16))


def entry_points(source: str) -> List[str]:
    """The #[pyfunction] and #[pymethods] markers in the source."""
    return re.findall(r"#\[(pyfunction|pymethods)\]", source)


def unguarded_lines(path: str) -> List[int]:
    """The lines of `path` holding an entry point outside `guarded! { ... }`."""
    # Every #[pyfunction] and #[pymethods] block of the binding sits inside `guarded! { ... }`
    # (which wraps each body in catch_unwind). Checked on the source, with braces counted
    # outside string and char literals and comments.
    source = open(path, encoding="utf-8").read()
    depth, guarded_depth, i, unguarded = 0, None, 0, []
    line = 1
    while i < len(source):
        c = source[i]
        if source.startswith("//", i):
            j = source.find("\n", i)
            i = len(source) if j < 0 else j
            continue
        if c == '"':
            j = i + 1
            while j < len(source) and source[j] != '"':
                j += 2 if source[j] == "\\" else 1
            line += source.count("\n", i, j)
            i = j + 1
            continue
        char = re.match(r"'(\\.|[^\\'])'", source[i:i + 4]) if c == "'" else None
        if char:
            i += len(char.group(0))
            continue
        if source.startswith("guarded! {", i) and guarded_depth is None:
            guarded_depth = depth
            depth += 1
            i += len("guarded! {")
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if guarded_depth is not None and depth == guarded_depth:
                guarded_depth = None
        elif c == "\n":
            line += 1
        elif source.startswith("#[pyfunction]", i) or source.startswith("#[pymethods]", i):
            if guarded_depth is None:
                unguarded.append(line)
        i += 1
    assert depth == 0, "unbalanced braces: the checker misread the source"
    return unguarded


def test_every_entry_point_is_guarded() -> None:
    # Every source file of the binding (`lib.rs` and its per-module files).
    src = os.path.dirname(LIB_RS)
    files = sorted(os.path.join(src, f) for f in os.listdir(src) if f.endswith(".rs"))
    total = sum(len(entry_points(open(f, encoding="utf-8").read())) for f in files)
    assert total >= 38
    for f in files:
        unguarded = unguarded_lines(f)
        assert not unguarded, "%s: entry points outside guarded! at lines %s" % (os.path.basename(f), unguarded)
