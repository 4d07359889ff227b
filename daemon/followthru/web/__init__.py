"""The web process, ``followthru web``: one-click answer pages for resources and the rep's board,
served by waitress (a production WSGI server) on ``web.listen``, behind the operator's reverse proxy
at ``web.base_url``. The application is followthru.web.app."""

from __future__ import annotations

import logging

from followthru.config import Config

log = logging.getLogger(__name__)

THREADS = 8  # requests served at once; each thread keeps one store connection


def serve(config: Config) -> None:
    """Serve until stopped (SIGTERM or Ctrl-C). Raises ConfigError for a missing token secret."""
    import waitress

    from followthru.web.app import create_app

    _store_made(config)
    app = create_app(config)
    host, _, port = config.web.listen.rpartition(":")
    if not config.web.base_url:
        log.warning("web.base_url is not set: messages carry no answer buttons, and sign-in links cannot be made")
    log.info("followthru web on http://%s:%s for %s", host, port, config.web.base_url or "(no base_url)")
    waitress.serve(
        app, host=host, port=int(port), threads=THREADS, ident="followthru", clear_untrusted_proxy_headers=False
    )


def _store_made(config: Config) -> None:
    """The web process reads the daemon's store and never makes one: StoreRefused when there is none
    yet, or when it is not this workspace's."""
    from followthru.journal import StoreRefused, examine_store

    problem, connection = examine_store(config)
    try:
        if problem:
            raise StoreRefused(problem)
        if connection is not None:
            made = connection.execute("SELECT to_regclass('plans') IS NOT NULL").fetchone()[0]
        else:
            made = config.store_file.exists()
        if not made:
            raise StoreRefused(f"no store yet at {config.store_url or config.store_file}: start 'followthru run' first")
    finally:
        if connection is not None:
            connection.close()
