"""The five storage methods behave the same on SQLite and PostgreSQL: taken keys and user
names refused, compare-and-swap on the revision, groups, counts. (PostgreSQL's schema is
created again on an existing database by every fixture run and every server start.)"""

from typing import Any, Iterator

import pytest

from authcore_server.storage import PostgresStorage, SqliteStorage, open_storage


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request: Any, tmp_path: Any) -> Iterator[Any]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        first = open_storage(url)
        assert isinstance(first, PostgresStorage)
        first._connect().execute("DELETE FROM authcore_records WHERE key LIKE 'st-%%'")
        first.close()
        store = open_storage(url)
    else:
        store = open_storage(str(tmp_path / "s.db"))
        assert isinstance(store, SqliteStorage)
    try:
        yield store
    finally:
        store.close()


def test_insert_get_and_taken_keys(storage: Any) -> None:
    assert storage.get("session", "st-a") is None
    assert storage.insert("session", "st-a", {"revision": 0, "token_hash": "st-a", "n": 1})
    assert storage.get("session", "st-a") == {"revision": 0, "token_hash": "st-a", "n": 1}
    assert not storage.insert("session", "st-a", {"revision": 0, "n": 2})  # key taken
    assert storage.get("session", "st-a")["n"] == 1  # the first record stays
    assert storage.insert("grant", "st-a", {"revision": 0, "user_code": "ST"})  # another kind


def test_user_names_are_unique(storage: Any) -> None:
    assert storage.insert("user", "st-u1", {"revision": 0, "username": "st-alice"})
    assert not storage.insert("user", "st-u2", {"revision": 0, "username": "st-alice"})
    assert storage.insert("user", "st-u3", {"revision": 0, "username": "st-bob"})
    assert not storage.swap("user", "st-u3", {"revision": 1, "username": "st-alice"})  # rename to a taken name
    assert [u["username"] for u in storage.find("user", "st-alice")] == ["st-alice"]


def test_swap_is_compare_and_swap_on_the_revision(storage: Any) -> None:
    assert storage.insert("refresh", "st-r", {"revision": 0, "family_id": "st-f", "status": "active"})
    assert not storage.swap("refresh", "st-r", {"revision": 2, "family_id": "st-f", "status": "x"})  # not from 0
    assert not storage.swap("refresh", "st-missing", {"revision": 1, "family_id": "st-f"})
    assert storage.swap("refresh", "st-r", {"revision": 1, "family_id": "st-f", "status": "rotated"})
    assert not storage.swap("refresh", "st-r", {"revision": 1, "family_id": "st-f", "status": "again"})  # lost race
    assert storage.get("refresh", "st-r")["status"] == "rotated"
    assert storage.insert("refresh", "st-r2", {"revision": 0, "family_id": "st-f", "status": "active"})
    assert sorted(r["status"] for r in storage.find("refresh", "st-f")) == ["active", "rotated"]
    assert storage.find("refresh", "st-other") == []


def test_count(storage: Any) -> None:
    before = storage.count("onetime")
    assert storage.insert("onetime", "st-o1", {"revision": 0})
    assert storage.insert("onetime", "st-o2", {"revision": 0})
    assert storage.count("onetime") == before + 2
