"""The daemon's home directory: ``master.key``, ``local-token`` and ``daemon.db``.

``daemon.db`` (SQLite) holds connections, auth-session snapshots and custom providers, each
row sealed with the vault (``authcore.vault.Vault``) under a context naming its slot, so a
row copied into another slot does not open. The example only stores bytes: sealing,
validation and every rule are the core's.
"""

import json
import os
import secrets
import sqlite3
import threading
from typing import Any, Dict, List, Optional

from authcore.vault import FileKeyStore, Vault

SCHEMA = """
CREATE TABLE IF NOT EXISTS connections (provider TEXT NOT NULL, name TEXT NOT NULL, sealed TEXT NOT NULL,
                                        PRIMARY KEY (provider, name));
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, sealed TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS providers (name TEXT PRIMARY KEY, sealed TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SCHEMA_VERSION = 1


def _write_private(path: str, text: str) -> None:
    """Creates ``path`` with mode 0600 (never replacing an existing file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def load_local_token(home: str) -> str:
    """The home's local token (256 random bits, base64url), created 0600 on first use."""
    path = os.path.join(home, "local-token")
    if not os.path.exists(path):
        try:
            _write_private(path, secrets.token_urlsafe(32) + "\n")
        except FileExistsError:
            pass
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


class Store:
    """Sealed records in ``daemon.db``; one lock serialises writers."""

    def __init__(self, home: str) -> None:
        self.home = os.path.abspath(home)
        os.makedirs(self.home, mode=0o700, exist_ok=True)
        self.keys = FileKeyStore(os.path.join(self.home, "master.key"))
        self.vault = Vault([self.keys.load_or_create()])
        self.local_token = load_local_token(self.home)
        self.lock = threading.RLock()
        db_path = os.path.join(self.home, "daemon.db")
        if not os.path.exists(db_path):
            try:
                _write_private(db_path, "")  # 0600 before SQLite writes to it
            except FileExistsError:
                pass
        self.db = sqlite3.connect(db_path, check_same_thread=False)
        with self.lock, self.db:
            self.db.executescript(SCHEMA)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    # --- sealing -------------------------------------------------------------------------

    def _seal(self, record: Any, context: str) -> str:
        return json.dumps(self.vault.seal(record, context))

    def _open(self, sealed: str, context: str) -> Any:
        return self.vault.open(json.loads(sealed), context)

    def schema_version(self) -> int:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    # --- connections ---------------------------------------------------------------------

    def connections(self) -> List[Dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT provider, name, sealed FROM connections ORDER BY provider, name").fetchall()
        return [self._open(s, "connection:%s/%s" % (p, n)) for p, n, s in rows]

    def put_connection(self, connection: Dict[str, Any]) -> None:
        p, n = connection["provider"], connection.get("name", "default")
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO connections VALUES (?, ?, ?)",
                            (p, n, self._seal(connection, "connection:%s/%s" % (p, n))))

    def put_connections(self, connections: List[Dict[str, Any]]) -> None:
        with self.lock, self.db:
            for c in connections:
                p, n = c["provider"], c.get("name", "default")
                self.db.execute("INSERT OR REPLACE INTO connections VALUES (?, ?, ?)",
                                (p, n, self._seal(c, "connection:%s/%s" % (p, n))))

    def delete_connection(self, provider: str, name: str) -> bool:
        with self.lock, self.db:
            cur = self.db.execute("DELETE FROM connections WHERE provider = ? AND name = ?", (provider, name))
        return cur.rowcount > 0

    # --- custom providers ----------------------------------------------------------------

    def custom_providers(self) -> List[Dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT name, sealed FROM providers ORDER BY name").fetchall()
        return [self._open(s, "provider:%s" % n) for n, s in rows]

    def put_provider(self, name: str, definition: Dict[str, Any]) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO providers VALUES (?, ?)",
                            (name, self._seal(definition, "provider:%s" % name)))

    def delete_provider(self, name: str) -> bool:
        with self.lock, self.db:
            cur = self.db.execute("DELETE FROM providers WHERE name = ?", (name,))
        return cur.rowcount > 0

    # --- auth sessions (snapshots hold secrets: sealed too) --------------------------------

    def session(self, session_id: str) -> Optional[Dict[str, Any]]:
        with self.lock:
            row = self.db.execute("SELECT sealed FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else self._open(row[0], "session:%s" % session_id)

    def session_ids(self) -> List[str]:
        with self.lock:
            return [r[0] for r in self.db.execute("SELECT id FROM sessions ORDER BY id").fetchall()]

    def delete_session(self, session_id: str) -> None:
        with self.lock, self.db:
            self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def put_session(self, session_id: str, record: Dict[str, Any]) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?)",
                            (session_id, self._seal(record, "session:%s" % session_id)))
