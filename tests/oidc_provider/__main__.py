"""Start the test provider: ``python -m tests.oidc_provider --port 0 --state DIR`` (from the repository root).

Each start is fresh: a new SQLite database, a new RSA signing key (published in the JWKS), a new "forger"
key (never published), and a new confidential client. ``DIR/provider.json`` (mode 0600) then holds the
issuer, the client's id and plain secret and the control token; ``ready <issuer>`` on stdout says the
socket is listening. The server is gunicorn (one worker, eight threads) on 127.0.0.1 only, over http,
which is why oauthlib's https check is turned off in this process. It stops on SIGINT (at once) or SIGTERM (gracefully), or when
its stdin closes (the test process that started it is gone).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _prepare(state: Path, issuer: str) -> dict[str, str]:
    """Write the keys and secrets, point this process's environment at them, and build the database."""
    config = {
        "issuer": issuer,
        "client_id": "casereview-" + secrets.token_hex(8),
        "client_secret": secrets.token_urlsafe(32),
        "control_token": secrets.token_urlsafe(32),
    }
    (state / "provider.sqlite3").unlink(missing_ok=True)
    (state / "signing_key.pem").write_bytes(_pem())
    (state / "forger_key.pem").write_bytes(_pem())
    (state / "django_secret").write_text(secrets.token_urlsafe(50))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
        OIDC_PROVIDER_STATE=str(state),
        OIDC_PROVIDER_ISSUER=issuer,
        OIDC_PROVIDER_CLIENT_ID=config["client_id"],
        OIDC_PROVIDER_CONTROL_TOKEN=config["control_token"],
        OAUTHLIB_INSECURE_TRANSPORT="1",
    )

    import django
    from django.core.management import call_command

    django.setup()
    from oauth2_provider.models import get_application_model

    call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    application = get_application_model()
    application.objects.create(
        name="casereview",
        client_id=config["client_id"],
        client_secret=config["client_secret"],  # hashed on save; the plain one goes to the tests
        hash_client_secret=True,
        client_type=application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application.GRANT_AUTHORIZATION_CODE,
        algorithm=application.RS256_ALGORITHM,
        skip_authorization=True,
        redirect_uris="",
        post_logout_redirect_uris="",
    )
    described = state / "provider.json"
    described.touch(mode=0o600)
    described.write_text(json.dumps(config))
    return config


def _watch_stdin() -> None:
    sys.stdin.read()  # returns at end of file: whoever started us has closed the pipe or died
    os.kill(os.getpid(), signal.SIGINT)  # gunicorn's quick shutdown


def _serve(listener: socket.socket, issuer: str) -> None:
    from django.core.wsgi import get_wsgi_application
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    wsgi = get_wsgi_application()
    connections.close_all()  # no SQLite connection shared across gunicorn's fork

    def when_ready(server: Any) -> None:
        threading.Thread(target=_watch_stdin, daemon=True).start()
        print(f"ready {issuer}", flush=True)

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
        def load_config(self) -> None:
            options = {
                "bind": [f"fd://{listener.fileno()}"],
                "workers": 1,
                "worker_class": "gthread",
                "threads": 8,
                "graceful_timeout": 2,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "preload_app": True,
                "when_ready": when_ready,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return wsgi

    Server().run()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.oidc_provider", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 (the default): any free port")
    parser.add_argument("--state", type=Path, required=True, help="directory for database and keys")
    args = parser.parse_args()
    args.state.mkdir(parents=True, exist_ok=True)
    # Bound here, before anything else, so the issuer names the real port and no other process can
    # take it between choosing and binding; gunicorn serves this very socket.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(128)
    listener.set_inheritable(True)
    issuer = f"http://127.0.0.1:{listener.getsockname()[1]}/o"
    _prepare(args.state.resolve(), issuer)
    _serve(listener, issuer)


if __name__ == "__main__":
    main()
