"""A webhook receiver on loopback for the tests: a threaded ``http.server`` in the test process, so
it lives on while the daemons it hears from are killed and started again.

It records every request as it came (method, path, headers, raw body) and answers 204, or what it
was told to answer for the next requests (:meth:`Receiver.answer`, :meth:`Receiver.garble`);
:meth:`Receiver.down` stops it listening, so a post is refused at the connection, and
:meth:`Receiver.up` listens again on the same port. It checks nothing itself: the tests look at
:attr:`Receiver.requests`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request as the receiver read it, and the status it answered."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    status: int
    at: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Receiver:
    """Listens on 127.0.0.1 (a free port, kept across :meth:`down` and :meth:`up`) at ``/hook``."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._answers: deque[tuple[int, dict[str, str]]] = deque()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.delay = 0.0  # seconds between reading a request (recorded) and answering it
        self.up()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/hook"

    def answer(self, status: int, times: int = 1, **headers: str) -> None:
        """Answer ``status`` (with ``headers``, ``Location="..."``) to the next ``times`` requests."""
        with self._lock:
            self._answers.extend([(status, dict(headers))] * times)

    def garble(self, times: int = 1) -> None:
        """Answer the next ``times`` requests with a line that is not HTTP (recorded as status 0)."""
        with self._lock:
            self._answers.extend([(0, {})] * times)

    def posts(self, path: str | None = "/hook") -> list[Received]:
        """The POSTs received (at ``path``; None: anywhere), in order."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and (path is None or r.path == path)]

    def taken(self) -> list[Received]:
        """The POSTs answered 2xx, in order."""
        return [r for r in self.posts() if 200 <= r.status < 300]

    def up(self) -> None:
        """Listen (again, on the same port)."""
        if self._server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver._lock:
                    status, headers = receiver._answers.popleft() if receiver._answers else (204, {})
                    receiver.requests.append(
                        Received(
                            self.command,
                            self.path,
                            {name.lower(): value for name, value in self.headers.items()},
                            body,
                            status,
                        )
                    )
                self.close_connection = True
                if receiver.delay:
                    time.sleep(receiver.delay)  # a sender killed meanwhile never hears the answer
                if status == 0:
                    self.wfile.write(b"nonsense, not HTTP\r\n\r\n")
                    return
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            do_POST = do_GET = do_PUT = _any

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: the tests read self.requests

        server = _Server(("127.0.0.1", self.port), Handler)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stop listening: a connection to the port is refused until :meth:`up`."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def close(self) -> None:
        self.down()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a sender that went away before the answer (killed, timed out): nothing to report
