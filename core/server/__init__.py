"""The local speech service: the seeds' REST APIs (Azure Speech, IBM Watson) served offline on localhost.

`create_app(ServerConfig)` returns the ASGI app; `serve(config)` runs it under uvicorn, bound to
127.0.0.1 unless told otherwise. API keys live in the OS keyring (`core.server.keys`).
"""

from __future__ import annotations

from core.server.app import create_app
from core.server.config import DEFAULT_HOST, DEFAULT_PORT, ServerConfig
from core.server.keys import ApiKey, ApiKeys


def serve(config: ServerConfig | None = None, *, log_level: str = "info") -> None:
    """Run the service under uvicorn until interrupted; returns when it stops."""
    import uvicorn

    config = config or ServerConfig()
    uvicorn.run(
        create_app(config), host=config.host, port=config.port, log_level=log_level,
        ws="websockets-sansio", proxy_headers=False, server_header=False, timeout_keep_alive=30,
    )


__all__ = ["ApiKey", "ApiKeys", "DEFAULT_HOST", "DEFAULT_PORT", "ServerConfig", "create_app", "serve"]
