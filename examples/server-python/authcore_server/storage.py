"""Where the reference server keeps its records.

Every record authcore hands back (device grants, sessions, refresh-token records, one-time
codes, entry limiters) carries a ``revision``; the core increments it on every change, and the
store writes a changed record only if the stored one still has the revision the change was
made from (compare-and-swap, ``UPDATE … WHERE revision = ?``). Any number of server processes
can then share one database: a lost race is a ``False`` here, never a lost write.

:class:`Storage` is the whole interface; :class:`SqliteStorage` is the default (standard
library only) and :class:`PostgresStorage` the same five methods on PostgreSQL (psycopg 3), for
several server processes on several machines. :func:`open_storage` picks one from ``--db``.
"""

import json
import sqlite3
import threading
from typing import Any, Dict, List, Mapping, Optional, Union

try:
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore[assignment,misc]

__all__ = ["Storage", "SqliteStorage", "PostgresStorage", "open_storage", "KINDS"]

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
        try:
            with self._lock:
                cur = self._db.execute(
                    "UPDATE records SET grp = ?, revision = ?, body = ? WHERE kind = ? AND key = ? AND revision = ?",
                    (self._group(kind, record), revision, json.dumps(record), kind, key, revision - 1),
                )
        except sqlite3.IntegrityError:  # a user renamed to a taken name
            return False
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


PG_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS authcore_records (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        grp TEXT,
        revision BIGINT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    )""",
    "CREATE INDEX IF NOT EXISTS authcore_records_grp ON authcore_records (kind, grp)",
    "CREATE UNIQUE INDEX IF NOT EXISTS authcore_users_name ON authcore_records (grp) WHERE kind = 'user'",
)

# Serializes schema creation when several instances start at once (`CREATE … IF NOT EXISTS`
# alone can still race on PostgreSQL's catalogs). Any fixed number; "authcore" in ASCII.
_SCHEMA_LOCK = 0x61757468636F7265


class PostgresStorage:
    """:class:`Storage` on PostgreSQL, by URL (``postgresql://user@host:port/dbname``).

    Needs ``psycopg`` 3 (``pip install "psycopg[binary]"``). The schema (one
    ``authcore_records`` table, the same columns as SQLite's) is created on open under an
    advisory lock, so instances may start together. Each thread gets its own autocommit
    connection; every write is one statement, so its compare-and-swap is atomic, and a
    ``(kind, key)`` or user-name conflict is a ``False`` from :meth:`insert`.
    """

    def __init__(self, url: str) -> None:
        import psycopg  # only this class needs the driver

        self._psycopg = psycopg
        self._url = url
        self._local = threading.local()
        self._all: List[Any] = []
        self._lock = threading.Lock()
        with self._connect().transaction() as tx:
            tx.connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for statement in PG_SCHEMA:
                tx.connection.execute(statement)

    def _connect(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._psycopg.connect(self._url, autocommit=True)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def get(self, kind: str, key: str) -> Optional[Dict[str, Any]]:
        row = self._connect().execute("SELECT body FROM authcore_records WHERE kind = %s AND key = %s", (kind, key)).fetchone()
        return None if row is None else json.loads(row[0])

    def insert(self, kind: str, key: str, record: Mapping[str, Any]) -> bool:
        cur = self._connect().execute(
            "INSERT INTO authcore_records (kind, key, grp, revision, body) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (kind, key, SqliteStorage._group(kind, record), int(record.get("revision", 0)), json.dumps(record)),
        )
        return cur.rowcount == 1

    def swap(self, kind: str, key: str, record: Mapping[str, Any]) -> bool:
        revision = int(record["revision"])
        try:
            cur = self._connect().execute(
                "UPDATE authcore_records SET grp = %s, revision = %s, body = %s WHERE kind = %s AND key = %s AND revision = %s",
                (SqliteStorage._group(kind, record), revision, json.dumps(record), kind, key, revision - 1),
            )
        except self._psycopg.errors.UniqueViolation:  # a user renamed to a taken name
            return False
        return cur.rowcount == 1

    def find(self, kind: str, group: str) -> List[Dict[str, Any]]:
        rows = self._connect().execute("SELECT body FROM authcore_records WHERE kind = %s AND grp = %s", (kind, group)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        row = self._connect().execute("SELECT COUNT(*) FROM authcore_records WHERE kind = %s", (kind,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close every connection this storage opened."""
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()


def open_storage(db: str) -> Union[SqliteStorage, "PostgresStorage"]:
    """:class:`PostgresStorage` for a ``postgresql://`` (or ``postgres://``) URL, else
    :class:`SqliteStorage` on the file ``db``."""
    if db.startswith(("postgresql://", "postgres://")):
        return PostgresStorage(db)
    return SqliteStorage(db)
