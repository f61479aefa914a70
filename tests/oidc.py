"""The test OpenID Connect provider as pytest fixtures: ``oidc_provider`` (per session) and ``provider``.

``oidc_provider`` starts ``python -m tests.oidc_provider`` (django-oauth-toolkit in its own process, own
SQLite, own keys; see that package) once per pytest process, so once per xdist worker, and stops it at
the end. ``provider`` is the same provider with no fault, before and after the test. Use::

    def test_something(provider, live_server):
        provider.allow_redirect(f"{live_server.url}/login/sso/callback/")
        provider.person("ina", groups=["g-lead"], amr=["pwd", "mfa"])
        provider.fault("expired")                    # until the test ends or fault(None)
        back = provider.sign_in(requests.Session(), authorize_url, "ina")   # URL with code and state

The provider's cookies are named ``provider_sessionid``/``provider_csrftoken``, so they do not overwrite
casereview's on 127.0.0.1 (cookies ignore the port).
"""

from __future__ import annotations

import html
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.oidc_provider import FAULTS, PROVIDER_PASSWORD

__all__ = ["FAULTS", "PROVIDER_PASSWORD", "Provider", "oidc_provider", "provider"]

ROOT = Path(__file__).resolve().parent.parent
#: Generous: the provider is ready in about 2 s; this only bounds a broken start on a loaded machine.
START_TIMEOUT = 60
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass
class Provider:
    """A running test provider and its one confidential client (RS256, PKCE S256 required)."""

    issuer: str
    client_id: str
    client_secret: str
    _control_token: str = field(repr=False, default="")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    def _control(self, action: str, **command: Any) -> None:
        response = requests.post(
            f"{self.origin}/control/",
            data=json.dumps({"action": action, **command}),
            headers={"Authorization": f"Bearer {self._control_token}"},
            timeout=30,
        )
        assert response.status_code == 200, f"provider control {action}: {response.text}"

    def person(
        self,
        username: str,
        *,
        groups: list[str],
        amr: list[str] | None = None,
        acr: str | None = None,
        name: str = "",
        email: str = "",
    ) -> None:
        """Create or update a person (password PROVIDER_PASSWORD) and the claims their ID tokens carry."""
        self._control(
            "person", username=username, groups=groups, amr=amr, acr=acr, name=name, email=email
        )

    def fault(self, mode: str | None) -> None:
        """Spoil the ID tokens issued from now on (None: issue correct ones again)."""
        assert mode is None or mode in FAULTS, f"unknown fault {mode!r}; known: {sorted(FAULTS)}"
        self._control("fault", mode=mode)

    def allow_redirect(self, uri: str) -> None:
        """Register ``uri`` as both a redirect URI and a post-logout redirect URI of the client."""
        self._control("allow_redirect", uri=uri)

    def sign_in(self, session: requests.Session, authorize_url: str, username: str) -> str:
        """Sign ``username`` in at the provider from ``authorize_url`` (the provider's authorization URL
        casereview redirected to) and return the URL the provider sends the browser back to, unfollowed.

        Follows the provider's own redirects and fills its sign-in form; fails the test if the provider
        answers anything else (an unregistered redirect URI, for one, gets an error page, not a redirect).
        """
        assert authorize_url.startswith(self.origin + "/"), (
            f"not this provider's URL: {authorize_url}"
        )
        response = session.get(authorize_url, allow_redirects=False, timeout=30)
        for _ in range(10):
            if response.status_code in _REDIRECTS:
                location = urljoin(response.url, response.headers["Location"])
                if not location.startswith(self.origin + "/"):
                    return location
                response = session.get(location, allow_redirects=False, timeout=30)
                continue
            token = _CSRF.search(response.text) if response.status_code == 200 else None
            assert token is not None and "/login/" in response.url, (
                f"the provider answered {response.status_code} at {response.url}: {response.text[:2000]}"
            )
            next_url = re.search(r'name="next" value="([^"]*)"', response.text)
            response = session.post(
                response.url,
                data={
                    "csrfmiddlewaretoken": token.group(1),
                    "username": username,
                    "password": PROVIDER_PASSWORD,
                    "next": html.unescape(next_url.group(1)) if next_url else "",
                },
                allow_redirects=False,
                timeout=30,
            )
            assert response.status_code in _REDIRECTS, (
                f"the provider refused {username!r}'s sign-in"
            )
        raise AssertionError(f"the provider kept redirecting from {authorize_url}")


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:  # drained to the end, so the provider never blocks on a full pipe
        into.put(line)
    into.put("")  # end of file: the provider has exited, so stop waiting for "ready" at once


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """A running test provider for this pytest process; a failed start fails the test, never skips it."""
    os.environ.setdefault(
        "AUTHLIB_INSECURE_TRANSPORT", "1"
    )  # casereview's Authlib client, over http
    state = tmp_path_factory.mktemp("oidc_provider")
    stderr = (state / "stderr.log").open("w")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider", "--port", "0", "--state", str(state)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,  # kept open: the provider stops when it closes, even if pytest dies
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        first = lines.get(timeout=START_TIMEOUT)
    except queue.Empty:
        first = ""
    try:
        if not first.startswith("ready "):
            process.kill()
            process.wait()
            pytest.fail(
                f"the test OIDC provider did not start (exit {process.returncode}, said {first!r}):\n"
                + (state / "stderr.log").read_text(),
                pytrace=False,
            )
        config = json.loads((state / "provider.json").read_text())
        assert config["issuer"] == first.split()[1]
        yield Provider(
            issuer=config["issuer"],
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            _control_token=config["control_token"],
        )
    finally:
        process.stdin.close()
        process.send_signal(
            signal.SIGINT
        )  # gunicorn's quick shutdown (SIGTERM waits for idle keep-alives)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stderr.close()


@pytest.fixture
def provider(oidc_provider: Provider) -> Iterator[Provider]:
    """The session's provider, issuing correct tokens at the start and again after the test."""
    oidc_provider.fault(None)
    yield oidc_provider
    oidc_provider.fault(None)
