"""Change notifications for new mail: a wake-up, never the record of what arrived.

With ``graph.notification_url`` set, the running daemon keeps a Graph subscription to messages
created in the inbox (``POST /subscriptions``, ``changeType: created``, resource
``users/{m}/mailFolders('inbox')/messages``, a random ``clientState``) for
:data:`LIFETIME` and renews it (``PATCH /subscriptions/{id}``) when less than :data:`RENEW_BEFORE`
is left; its id, expiry and clientState are kept in the :class:`SyncState`, so a restart goes on
with the same one. It is left to expire when the daemon stops.

Graph posts to ``notification_url``, which must be public and HTTPS: a reverse proxy there
passes the requests to the listener Followthru runs on ``graph.notification_listen`` (loopback by default). The listener
answers Graph's validation request (it echoes ``validationToken`` as ``text/plain``) and, for a
notification that carries the subscription's clientState, wakes the daemon, whose next pass reads
the inbox's delta as always. A lost, late or forged notification changes nothing but when the
inbox is asked: it is asked every ``graph.poll_seconds`` anyway.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from followthru.backends.base import SyncState, Unavailable
from followthru.backends.graph.api import Graph, GraphError

log = logging.getLogger(__name__)

LIFETIME = timedelta(days=6)  # Graph keeps a subscription to messages for at most 10,080 minutes
RENEW_BEFORE = timedelta(days=1)
RETRY_SECONDS = 3600.0  # after a failed attempt to subscribe: polling goes on meanwhile
MAX_BODY = 1_000_000


class Notifications:
    """A subscription to new inbox mail and the listener its notifications come to."""

    def __init__(self, graph: Graph, url: str, state: SyncState):
        self.graph = graph
        self.url = url
        self.state = state
        self.key = f"graph:{graph.mailbox}:subscription"
        self.resource = f"users/{graph.mailbox}/mailFolders('inbox')/messages"
        self.subscriptions = graph.config.graph.endpoint.rstrip("/") + "/subscriptions"
        saved = json.loads(state.get_sync(self.key) or "{}")
        self.subscription: dict[str, Any] = saved if saved.get("notificationUrl") == url else {}
        host, _, port = graph.config.graph.notification_listen.rpartition(":")
        self.listen = (host, int(port))
        self._server: ThreadingHTTPServer | None = None
        self._next_try = 0.0  # time.monotonic

    @property
    def port(self) -> int:
        """The port the listener took (the configured one, or the one the system gave for port 0)."""
        return self._server.server_address[1] if self._server else self.listen[1]

    def start(self, wake: Callable[[], None]) -> None:
        """Listen on ``graph.notification_listen`` from now on; ``wake`` is called for each genuine notification."""
        notifications = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                notifications._answer(self, wake)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("notification listener: " + format, *args)

        try:
            self._server = ThreadingHTTPServer(self.listen, Handler)
        except OSError as error:
            log.warning(
                "cannot listen for Graph's change notifications on %s:%s (%s); asking every %g s instead",
                *self.listen,
                error.strerror,
                self.graph.config.graph.poll_seconds,
            )
            return
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="graph-notifications", daemon=True).start()

    def _answer(self, request: BaseHTTPRequestHandler, wake: Callable[[], None]) -> None:
        query = parse_qs(urlsplit(request.path).query)
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            request.send_response(413)
            request.end_headers()
            return
        body = request.rfile.read(length)
        if "validationToken" in query:  # Graph checks the URL before it makes the subscription
            token = query["validationToken"][0].encode("utf-8")
            request.send_response(200)
            request.send_header("Content-Type", "text/plain; charset=utf-8")
            request.send_header("Content-Length", str(len(token)))
            request.end_headers()
            request.wfile.write(token)
            return
        request.send_response(202)  # Graph wants an answer within 3 s, whatever it said
        request.send_header("Content-Length", "0")
        request.end_headers()
        try:
            items = json.loads(body).get("value", [])
        except (ValueError, AttributeError):
            return
        ours = [
            i
            for i in items
            if isinstance(i, dict)
            and self.subscription
            and i.get("subscriptionId") == self.subscription.get("id")
            and secrets.compare_digest(str(i.get("clientState", "")), self.subscription.get("clientState", ""))
        ]
        if ours:
            log.debug("notification listener: %d new message(s) notified", len(ours))
            wake()
        elif items:
            log.info("notification listener: a notification without this subscription's clientState; ignored")

    def keep_subscribed(self) -> None:
        """Make the subscription, or renew it when it ends within :data:`RENEW_BEFORE`. Called
        from the daemon's pass. A failure is logged: mail is then read on the poll interval."""
        if self._server is None or time.monotonic() < self._next_try:
            return
        now = datetime.now(timezone.utc)
        expires = self.subscription.get("expirationDateTime")
        if expires and datetime.fromisoformat(expires.replace("Z", "+00:00")) - now > RENEW_BEFORE:
            return
        until = (now + LIFETIME).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
        try:
            if self.subscription.get("id"):
                try:
                    renewed = self.graph.call(
                        "PATCH",
                        f"{self.subscriptions}/{quote(self.subscription['id'])}",
                        body={"expirationDateTime": until},
                    ).json()
                    self._keep({**self.subscription, "expirationDateTime": renewed["expirationDateTime"]})
                    return
                except GraphError as error:
                    if error.status != 404:  # 404: it expired or was removed; make a new one
                        raise
            client_state = secrets.token_urlsafe(24)
            made = self.graph.call(
                "POST",
                self.subscriptions,
                body={
                    "changeType": "created",
                    "notificationUrl": self.url,
                    "resource": self.resource,
                    "expirationDateTime": until,
                    "clientState": client_state,
                    "latestSupportedTlsVersion": "v1_2",
                },
            ).json()
            self._keep(
                {
                    "id": made["id"],
                    "expirationDateTime": made["expirationDateTime"],
                    "clientState": client_state,
                    "notificationUrl": self.url,
                }
            )
            log.info(
                "%s: change notifications for new mail go to %s until %s",
                self.graph.where,
                self.url,
                made["expirationDateTime"],
            )
        except (GraphError, Unavailable) as error:
            self._next_try = time.monotonic() + RETRY_SECONDS
            log.warning(
                "%s: no change notifications (%s); reading the inbox every %g s, subscribing again in an hour",
                self.graph.where,
                error,
                self.graph.config.graph.poll_seconds,
            )

    def _keep(self, subscription: dict[str, Any]) -> None:
        self.subscription = subscription
        self.state.put_sync(self.key, json.dumps(subscription))

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
