"""Where the reference server keeps its records.

Every record authcore hands back (device grants, sessions, refresh-token records, one-time
codes, entry limiters) carries a ``revision``; the core increments it on every change, and the
store writes a changed record only if the stored one still has the revision the change was
made from (compare-and-swap, ``UPDATE … WHERE revision = ?``). Any number of server processes
can then share one database: a lost race is a ``False`` here, never a lost write.

:class:`Storage` is the whole interface (a PostgreSQL implementation is a second class with
the same five record methods); :class:`SqliteStorage` is the default, standard library only.
"""

import json
import sqlite3
import threading
from typing import Any, Dict, List, Mapping, Optional

try:
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore[assignment,misc]

__all__ = ["Storage", "SqliteStorage", "KINDS"]

# The record kinds: name → the record member stored in the indexed `grp` column (or None).
KINDS: Dict[str, Optional[str]] = {
    "grant": "user_code",  # device grants, keyed by device_code_hash, found by user code
    "session": None,  # sessions, keyed by token hash
    "refresh": "family_id",  # refresh-token records, keyed by token hash, grouped by family
    "onetime": None,  # one-time codes (desktop codes, magic links), keyed by their hash
    "limiter": None,  # user-code entry limiters, keyed by requester
    "user": "username",  # accounts, keyed by user id, found by user name
    "key": None,  # signing keys, keyed by kid
}


class Storage(Protocol):
    """Records by kind and key, written with compare-and-swap on ``revision``."""

    def get(self, kind: str, key: str) -> Optional[Dict[str, Any]]:
        """The record stored under ``key``, or ``None``."""
        ...

    def insert(self, kind: str, key: str, record: Mapping[str, Any]) -> bool:
        """Store a new record; ``False`` if ``key`` is taken (or its group value is, for users)."""
        ...

    def swap(self, kind: str, key: str, record: Mapping[str, Any]) -> bool:
        """Replace the record if the stored revision is ``record["revision"] - 1``."""
        ...

    def find(self, kind: str, group: str) -> List[Dict[str, Any]]:
        """Every record of ``kind`` whose group member equals ``group``."""
        ...

    def count(self, kind: str) -> int:
        """How many records of ``kind`` are stored."""
        ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    grp TEXT,
    revision INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS records_grp ON records (kind, grp);
CREATE UNIQUE INDEX IF NOT EXISTS users_name ON records (grp) WHERE kind = 'user';
"""


class SqliteStorage:
    """:class:`Storage` on one SQLite file (``":memory:"`` for a throw-away database).

    The schema is created on open. WAL mode and a busy timeout let several processes share
    the file; every write is one statement, so its compare-and-swap is atomic.
    """

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    @staticmethod
    def _group(kind: str, record: Mapping[str, Any]) -> Optional[str]:
        member = KINDS[kind]
        value = record.get(member) if member else None
        return None if value is None else str(value)

    def get(self, kind: str, key: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            row = self._db.execute("SELECT body FROM records WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else json.loads(row[0])

    def insert(self, kind: str, key: str, record: Mapping[str, Any]) -> bool:
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO records (kind, key, grp, revision, body) VALUES (?, ?, ?, ?, ?)",
                    (kind, key, self._group(kind, record), int(record.get("revision", 0)), json.dumps(record)),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def swap(self, kind: str, key: str, record: Mapping[str, Any]) -> bool:
        revision = int(record["revision"])
        with self._lock:
            cur = self._db.execute(
                "UPDATE records SET grp = ?, revision = ?, body = ? WHERE kind = ? AND key = ? AND revision = ?",
                (self._group(kind, record), revision, json.dumps(record), kind, key, revision - 1),
            )
        return cur.rowcount == 1

    def find(self, kind: str, group: str) -> List[Dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM records WHERE kind = ? AND grp = ?", (kind, group)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM records WHERE kind = ?", (kind,)).fetchone()[0])

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
