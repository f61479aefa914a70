"""Roles are Django groups named after ``domain.roles.Role``; tables of our own keep answers a person
posted after their session had ended (``kept.py``) and single sign-on's identities and MFA assertions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_otp.models import Device


class KeptAnswers(models.Model):
    """What one person posted on one page after their session ended: shown back to that person alone, once,
    after they sign in again, and dropped after a day whatever happens (never the CSRF token)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    data = models.JSONField()  # {field: [values]}
    kept_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "path"], name="kept_answers_one_per_user_and_page"
            )
        ]

    def __str__(self) -> str:
        return f"answers kept for user {self.user_id} on {self.path}"


class ProviderIdentity(models.Model):
    """A person of the organisation's identity provider, linked to the casereview user they sign in as.

    The provider's ``sub`` is the identity (never the username, which the provider may reuse or change):
    the link is made when single sign-on first creates the user, and a local account is never linked
    after the fact (accounts.sso_services).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="provider_identity_one_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class ProviderAssertion(Device):  # type: ignore[misc]  # django-otp has no type hints
    """The provider's word that the person passed multi-factor authentication, as a django-otp device.

    Signing a session in with it (``django_otp.login``) makes the session verified through django-otp's
    own mechanism, so ``is_verified()`` and the second-factor gate work unchanged.  It accepts no code
    ever: only a single sign-on whose token asserted MFA can use it, never a form.
    """

    def verify_token(self, token: object) -> bool:
        return False

    def verify_is_allowed(self) -> tuple[bool, dict[str, object] | None]:
        return False, {"reason": "provider_assertion"}
