"""Serving stage: start the prediction service with uvicorn."""

from __future__ import annotations

import logging

from ..config import Settings

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    """Serve until interrupted; return the exit status."""
    import uvicorn

    from .app import create_app

    serving = settings.serving
    log.info("prediction service on http://%s:%d (docs at /docs)", serving.host, serving.port)
    uvicorn.run(
        create_app(settings),
        host=serving.host,
        port=serving.port,
        log_config=None,
        access_log=False,
    )
    return 0
