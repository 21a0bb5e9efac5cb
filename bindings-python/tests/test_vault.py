"""authcore.vault: sealing, rotation, key files (FileKeyStore: mode 0600, atomic, readiness)."""

import os
import stat

import pytest

import authcore
from authcore import broker, vault

K1 = vault.master_key_from_bytes("k1", bytes(range(32)))
K2 = vault.generate_master_key("k2")
RECORD = {"provider": "github", "credential": {"type": "api_key", "key": "sk-s3cret"}}


def test_seal_open_and_refusals():
    v = vault.Vault([K1])
    assert (v.current_kid, v.kids) == ("k1", ["k1"])
    sealed = v.seal(RECORD, "connection:github/default")
    assert sealed["v"] == 1 and sealed["alg"] == "XChaCha20-Poly1305" and "s3cret" not in repr(sealed)
    assert v.open(sealed, "connection:github/default") == RECORD
    # Random nonces: two seals of the same record differ.
    assert v.seal(RECORD, "c")["ct"] != v.seal(RECORD, "c")["ct"]
    with pytest.raises(authcore.StateCorrupt) as e:
        v.open(sealed, "connection:github/other")
    assert "s3cret" not in str(e.value)
    with pytest.raises(authcore.InvalidKey):
        vault.Vault([K2]).open(sealed, "connection:github/default")
    with pytest.raises(authcore.StateVersionUnsupported):
        v.open(dict(sealed, v=2), "connection:github/default")
    with pytest.raises(authcore.InvalidKey):
        vault.parse_master_key("not a key")
    with pytest.raises(TypeError):
        vault.Vault("not a list")  # type: ignore[arg-type]
    assert repr(v) == "Vault(current_kid='k1', kids=['k1'])"


def test_rotation_path():
    old = vault.Vault([K1])
    records = {"c%d" % i: old.seal({"n": i}, "c%d" % i) for i in range(3)}
    new = vault.Vault([K2, K1])
    for ctx, s in records.items():
        assert new.needs_reseal(s)
        records[ctx] = new.reseal(s, ctx)
        assert not new.needs_reseal(records[ctx])
    retired = vault.Vault([K2])
    assert [retired.open(s, ctx)["n"] for ctx, s in sorted(records.items())] == [0, 1, 2]


def test_file_key_store(tmp_path):
    store = vault.FileKeyStore(tmp_path / "home" / "master.key")
    assert store.load() is None and store.mode() is None
    assert store.report()["error"] == "missing"
    text = store.load_or_create("k1")
    assert store.load_or_create() == text
    assert vault.parse_master_key(text) == {"kid": "k1"}
    assert store.mode() == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(store.path)).st_mode) == 0o700
    assert os.listdir(os.path.dirname(store.path)) == ["master.key"]
    report = store.report()
    assert report == {"path": store.path, "mode": 0o600}
    ok = broker.readiness([], [], [report], 0)
    assert ok["components"]["vault"]["status"] == "ok"

    os.chmod(store.path, 0o644)
    degraded = broker.readiness([], [], [store.report()], 0)
    assert degraded["status"] == "degraded"
    [warning] = degraded["warnings"]  # the path is quoted (long ones are shortened)
    assert warning.startswith("Master key `/") and warning.endswith("` has mode 0644 instead of 0600.")

    with open(store.path, "w") as f:
        f.write("garbage")
    assert store.report()["error"] == "invalid_key"
    unhealthy = broker.readiness([], [], [store.report()], 0)
    assert unhealthy["status"] == "unhealthy" and unhealthy["components"]["vault"]["status"] == "unhealthy"
    with pytest.raises(authcore.InvalidKey):
        store.save("garbage")


def test_keyring_store_is_optional():
    store = vault.KeyringKeyStore()
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError):
            store.load()
