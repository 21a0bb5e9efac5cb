"""The credential broker: providers, connections, host-to-credential resolution, readiness."""

from ._authcore import Broker, check_connection, export_env, export_json, readiness, redact

__all__ = ["Broker", "check_connection", "export_env", "export_json", "readiness", "redact"]
