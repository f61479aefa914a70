"""The provider's URLs: DOT under /o/ (so the issuer is http://127.0.0.1:<port>/o), sign-in, control."""

from __future__ import annotations

from django.urls import include, path

from . import views

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("login/", views.login, name="login"),
    path("control/", views.control, name="control"),
]
