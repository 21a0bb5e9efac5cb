"""A FastAPI MCP server (the official ``mcp`` package's streamable-HTTP transport) protected by
authcore's MCP resource-server middleware."""
