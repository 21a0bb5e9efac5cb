"""authcore's reference server: FastAPI + uvicorn around the authcore Python package.

``python -m authcore_server serve`` (see ``examples/server-python/README.md``)."""

from .app import Settings, create_app
from .storage import PostgresStorage, SqliteStorage, Storage, open_storage

__all__ = ["PostgresStorage", "Settings", "SqliteStorage", "Storage", "create_app", "open_storage"]
