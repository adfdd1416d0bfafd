"""The local speech service: the seeds' REST APIs (Azure Speech, IBM Watson) served offline on localhost.

`create_app(ServerConfig)` returns the ASGI app; `serve(config)` runs it under uvicorn, bound to
127.0.0.1 unless told otherwise. API keys live in the OS keyring (`core.server.keys`).
"""

from __future__ import annotations

import errno
import logging
import socket

from core.errors import ParleyError
from core.server.config import DEFAULT_HOST, DEFAULT_PORT, ServerConfig


def __getattr__(name: str):
    """Load the app and the keys on first use: every `parley` command builds the parser that imports this package,
    and the web stack (FastAPI, the job worker, the library) takes most of a second to import."""
    if name == "create_app":
        from core.server.app import create_app

        return create_app
    if name in ("ApiKey", "ApiKeys"):
        from core.server import keys

        return getattr(keys, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def serve(config: ServerConfig | None = None, *, log_level: str = "info") -> None:
    """Run the service under uvicorn until interrupted; returns when it stops."""
    import uvicorn

    from core.server.app import create_app

    config = config or ServerConfig()
    check_address(config.host, config.port)  # an unusable address is the error to show, before any warning
    if config.host not in LOOPBACK_HOSTS:
        log.warning("Serving on %s: other machines can reach the service.", config.host)
    uvicorn.run(
        create_app(config), host=config.host, port=config.port, log_level=log_level,
        ws="websockets-sansio", proxy_headers=False, server_header=False, timeout_keep_alive=30,
    )


def check_address(host: str, port: int) -> None:
    """Return None when the service could listen on host:port now; raise ParleyError saying why it could not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ParleyError(f"Cannot serve on '{host}': {exc.strerror}.", "Give an address of this machine, e.g. 127.0.0.1.") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a closing socket is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ParleyError(f"Port {port} on {host} is already in use by another program (another `parley serve`?).",
                                  "Stop it, or choose another port with --port.") from exc
            if exc.errno == errno.EACCES:
                raise ParleyError(f"This account may not listen on port {port}.", "Choose a port above 1023 with --port.") from exc
            raise ParleyError(f"Cannot serve on {host}:{port}: {exc.strerror}.",
                              "Give an address of this machine (e.g. 127.0.0.1) and a free port.") from exc


__all__ = ["ApiKey", "ApiKeys", "DEFAULT_HOST", "DEFAULT_PORT", "ServerConfig", "check_address", "create_app", "serve"]
