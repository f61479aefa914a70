"""CASEREVIEW_EMAIL_URL becomes Django's EMAIL_* settings; a bad address is refused without being repeated."""

from __future__ import annotations

import pytest

from casereview.web.settings.mail import EmailUrlError, base_url, email_settings


def test_a_plain_smtp_address_gives_host_and_port_without_tls() -> None:
    got = email_settings("smtp://mail.internal:2525")
    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (got["EMAIL_HOST"], got["EMAIL_PORT"]) == ("mail.internal", 2525)
    assert (got["EMAIL_USE_TLS"], got["EMAIL_USE_SSL"]) == (False, False)
    assert (got["EMAIL_HOST_USER"], got["EMAIL_HOST_PASSWORD"]) == ("", "")
    assert got["EMAIL_TIMEOUT"] > 0


def test_smtp_tls_means_starttls_and_decodes_the_user_and_password() -> None:
    got = email_settings("smtp+tls://casereview%40example.org:p%40ss%3Aw%2Frd@smtp.example.org:587")
    assert (got["EMAIL_USE_TLS"], got["EMAIL_USE_SSL"]) == (True, False)
    assert got["EMAIL_HOST_USER"] == "casereview@example.org"
    assert got["EMAIL_HOST_PASSWORD"] == "p@ss:w/rd"
    assert (got["EMAIL_HOST"], got["EMAIL_PORT"]) == ("smtp.example.org", 587)


def test_smtp_ssl_means_implicit_tls_and_each_scheme_has_its_usual_port() -> None:
    assert email_settings("smtp+ssl://u:p@smtp.example.org")["EMAIL_USE_SSL"] is True
    assert email_settings("smtp+ssl://u:p@smtp.example.org")["EMAIL_USE_TLS"] is False
    assert email_settings("smtp+ssl://smtp.example.org")["EMAIL_PORT"] == 465
    assert email_settings("smtp+tls://smtp.example.org")["EMAIL_PORT"] == 587
    assert email_settings("smtp://smtp.example.org")["EMAIL_PORT"] == 25
    assert email_settings("SMTP://smtp.example.org")["EMAIL_HOST"] == "smtp.example.org"


@pytest.mark.parametrize(
    "url",
    [
        "http://user:secret-password@smtp.example.org",
        "smtps://user:secret-password@smtp.example.org",
        "user:secret-password@smtp.example.org:587",
        "",
    ],
)
def test_an_unknown_scheme_is_refused_without_repeating_the_password(url: str) -> None:
    with pytest.raises(EmailUrlError, match="smtp://, smtp\\+tls:// or smtp\\+ssl://") as caught:
        email_settings(url)
    assert "secret-password" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("smtp://", "no host"),
        ("smtp://user:secret-password@mail.example.org:notaport", "port"),
        ("smtp://mail.example.org:70000", "port"),
        ("smtp://mail.example.org/path", "no path"),
        ("smtp://mail.example.org?tls=1", "no path or query"),
        ("smtp://:secret-password@mail.example.org", "password without a user"),
    ],
)
def test_an_address_that_cannot_work_is_refused_with_the_reason(url: str, says: str) -> None:
    with pytest.raises(EmailUrlError, match=says) as caught:
        email_settings(url)
    assert "secret-password" not in str(caught.value)


def test_the_base_address_loses_its_trailing_slash_and_must_be_http() -> None:
    assert base_url("https://casereview.example.org/") == "https://casereview.example.org"
    assert base_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    for bad in ("casereview.example.org", "ftp://casereview.example.org", "https://"):
        with pytest.raises(EmailUrlError, match="CASEREVIEW_BASE_URL"):
            base_url(bad)
