"""Serving stage: start the prediction service with uvicorn."""

from __future__ import annotations

import logging
import socket

from ..config import Settings

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    """Serve until interrupted (SIGINT or SIGTERM); return the exit status."""
    import uvicorn

    from .app import create_app

    serving = settings.serving

    class Server(uvicorn.Server):
        """Says where it listens once it does (the model may still be loading)."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                log.info(
                    "prediction service listening on http://%s:%d (docs at /docs)",
                    serving.host,
                    serving.port,
                )

    config = uvicorn.Config(
        create_app(settings),
        host=serving.host,
        port=serving.port,
        log_config=None,
        access_log=False,
    )
    Server(config).run()
    return 0
