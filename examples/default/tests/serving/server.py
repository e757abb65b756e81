"""The prediction service as a real process on a free loopback port, spoken to in bytes."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

PACKAGE = "house_price_model"
LISTENING = "prediction service listening on"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Service:
    """``<package> serve`` started in ``folder`` with ``environ`` added to this one's."""

    def __init__(self, folder: Path, **environ: str) -> None:
        self.port = free_port()
        env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), **environ}
        self.process = subprocess.Popen(
            [sys.executable, "-m", PACKAGE, "serve"],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        """Wait until a log line contains ``text``."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None, f"the service exited:\n{self.log[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.log[-3000:]}"
            time.sleep(0.02)

    def wait_ready(self, timeout: float = 60.0) -> None:
        self.wait_for(LISTENING, timeout)
        deadline = time.monotonic() + timeout
        while self.request("GET", "/ready")[0] != 200:
            assert time.monotonic() < deadline, self.log[-3000:]
            time.sleep(0.02)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        """Send ``body`` as it is; return the status, the body and the headers."""
        own = connection is None
        connection = connection or self.connection()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            if own:
                connection.close()

    def stop(self, how: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(how)
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        return code

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
