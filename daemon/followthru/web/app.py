"""The web process's application: Flask, with what every page shares.

:func:`create_app` makes the application for one workspace. Every page is rendered from
``web/pages/`` with autoescaping, so plan and reply texts are always escaped; no page carries a
script. Every response carries the security headers (a Content-Security-Policy with no script at
all, no framing, no referrer); every POST must carry the form's CSRF token (kept in the signed
session cookie) and, when the browser says where it comes from, come from this site. Sign-in and
answer posts are rate limited per client address (the reverse proxy's ``X-Forwarded-For``, trusted
for ``web.proxies`` hops). The process reads the store and adds actions to it
(followthru.web_actions); it never changes a plan and never sends mail.

Blueprints hold the pages: the answer pages (followthru.web.answers) and the rep's board
(followthru.web.board). They use :func:`store`, :func:`now`, :func:`render`, :func:`user` and
:data:`limiter` from here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, render_template, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from followthru.config import Config
from followthru.store import Store

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a page's address holds its link's token
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cache-Control": "no-store",
}
MAX_UPLOAD_BYTES = 1_000_000  # a plan file is a few kilobytes; the plan reader refuses more anyway
SIGN_IN_LIMIT = "10 per 15 minutes"  # per client address, on asking for a link and on using one
ANSWER_LIMIT = "30 per minute"  # per client address, on answer and decision posts
PAGE_LIMIT = "300 per minute"  # per client address, on every page

limiter = Limiter(key_func=get_remote_address, default_limits=[PAGE_LIMIT], storage_uri="memory://")


def create_app(config: Config, clock: Callable[[], datetime] | None = None) -> Flask:
    """The application for the workspace of ``config``. ``clock`` gives the time (default: the
    system's, in UTC); tests travel in time with it. Raises ConfigError when the token secret is
    missing: every link and session is signed with keys derived from it."""
    from followthru.web import answers, board
    from followthru.web import upload as _upload  # noqa: F401 (importing it adds its routes to the board)

    app = Flask(__name__, template_folder="pages", static_folder="static")
    secret = config.token_secret()
    https = urlsplit(config.web.base_url).scheme == "https"
    app.config.update(
        SECRET_KEY=hmac.new(secret, b"followthru web session", hashlib.sha256).hexdigest(),
        SESSION_COOKIE_NAME="__Host-followthru" if https else "followthru",
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.web.session_hours),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["followthru"] = _Workspace(config, secret, clock or (lambda: datetime.now(timezone.utc)))
    if config.web.proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.web.proxies, x_proto=config.web.proxies, x_host=config.web.proxies
        )
    limiter.init_app(app)
    with app.app_context():
        limiter.reset()  # one application per process in service; a new one starts with no counts
    app.jinja_env.globals.update(csrf_token=csrf_token, user=user, base_url=config.web.base_url)
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.before_request(_check_post)
    app.after_request(_secure)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(Exception, internal_error)
    app.register_blueprint(answers.pages)
    app.register_blueprint(board.pages)
    return app


class _Workspace:
    """What the pages of one workspace share: the config, the token secret, the clock and one store
    connection per server thread (the server's threads are a fixed pool, so this is a pool too)."""

    def __init__(self, config: Config, secret: bytes, clock: Callable[[], datetime]):
        self.config = config
        self.secret = secret
        self.clock = clock
        self._local = threading.local()

    def store(self) -> Store:
        """This thread's store. A PostgreSQL connection is tried first: one the server dropped (a
        restart, a failover) is made again here, not found broken halfway through a page."""
        opened: Store | None = getattr(self._local, "store", None)
        if opened is None:
            from followthru.journal import open_store

            opened, _journal = open_store(self.config, read_only=True)
            self._local.store = opened
        elif opened.dialect == "postgresql":
            from followthru.postgres import DatabaseUnavailable

            try:
                opened.connection.execute("SELECT 1")
            except DatabaseUnavailable:  # the connection is marked broken: the next statement connects again
                opened.connection.execute("SELECT 1")
        return opened

    def forget_store(self) -> None:
        """After a failure the connection may be gone (a database restarted): the next request opens
        a new one."""
        opened = getattr(self._local, "store", None)
        self._local.store = None
        if opened is not None:
            try:
                opened.close()
            except Exception:  # closing a broken connection may fail too; it is dropped either way
                pass


def workspace() -> _Workspace:
    found: _Workspace = current_app.extensions["followthru"]
    return found


def config() -> Config:
    return workspace().config


def secret() -> bytes:
    return workspace().secret


def store() -> Store:
    """The store, on this server thread's connection (looked at once a request)."""
    found: Store | None = g.get("store")
    if found is None:
        found = g.store = workspace().store()
    return found


def now() -> datetime:
    return workspace().clock()


def user() -> str | None:
    """The signed-in owner's address (lower case): the reverse proxy's header when ``web.user_header``
    is set and the request has it, else the session's; None when nobody is signed in."""
    header = config().web.user_header
    if header:
        given = request.headers.get(header, "").strip().lower()
        if given:
            return given
    signed_in = session.get("user")
    return signed_in if isinstance(signed_in, str) else None


def is_admin(email: str | None) -> bool:
    return email is not None and email.lower() in {a.lower() for a in config().web.admins}


def sign_in_session(email: str) -> None:
    """The browser is ``email``'s from now on, for ``web.session_hours``; a new CSRF token with it."""
    session.clear()
    session.permanent = True
    session["user"] = email.lower()
    session["csrf"] = secrets.token_urlsafe(24)


def csrf_token() -> str:
    """The token every form carries; kept in the session cookie."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def paragraphs(text: str) -> list[str]:
    """A plan's free text as paragraphs: a blank line parts them; a single line break, which only
    kept the file's lines short, is a space, so the text wraps to the screen."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def render(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    return response


def _check_post() -> None:
    """Every POST carries this session's CSRF token and, when the browser names its origin, comes
    from this site."""
    if request.method != "POST":
        return
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != _own_host():
        log.warning("refused a form posted from %s", origin[:100])
        abort(403)
    given = request.form.get("csrf", "")
    expected = session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        g.csrf_failed = True
        abort(403)


def shown_path(path: str) -> str:
    """A request's path as logs show it: without the token of an answer or sign-in link."""
    return re.sub(r"^/(a|sign-in)/[^/]+", r"/\1/...", path)


def _own_host() -> str:
    base = config().web.base_url
    return urlsplit(base).netloc if base else request.host


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "public, max-age=3600"
    if urlsplit(config().web.base_url).scheme == "https":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


_TITLES = {
    400: "That request could not be read",
    403: "That form has expired",
    404: "Nothing here",
    405: "Not like that",
    413: "That file is too big",
    429: "Slow down a little",
}
_EXPLANATIONS = {
    400: "Something in the request was not what this page expects.",
    403: "The page was open too long, or the form came from elsewhere. Go back, reload the page and try again.",
    404: "This address shows nothing, or nothing you may see.",
    405: "This address does not take that kind of request.",
    413: "A plan file is at most 1 MB.",
    429: "Too many tries from your address in a short time. Wait a few minutes and try again.",
}


def _error_page(error: HTTPException) -> Response:
    code = error.code or 500
    if code >= 500:
        workspace().forget_store()
    return render(
        "error.html",
        status=code,
        title=_TITLES.get(code, "Something went wrong"),
        explanation=_EXPLANATIONS.get(code, "Try again in a moment."),
    )


def internal_error(error: Exception) -> Response:
    """Anything unexpected: logged with its traceback, shown as a plain page with nothing of it. A
    store out of reach is one line in the log and a page that says to try again."""
    from followthru.postgres import DatabaseUnavailable

    if isinstance(error, DatabaseUnavailable):
        log.error("web request %s %s: %s", request.method, shown_path(request.path), error)
        workspace().forget_store()
        return render(
            "error.html",
            status=503,
            title="Not reachable right now",
            explanation="Followthru cannot reach its store at the moment. Try again in a minute.",
        )
    log.exception("web request failed: %s %s", request.method, shown_path(request.path))
    workspace().forget_store()
    return render("error.html", status=500, title="Something went wrong", explanation="Try again in a moment.")
