from django.urls import path

from casereview.web.api import views as api_views

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.users, name="users"),
    path("locked/", views.locked, name="locked"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/", api_views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", api_views.token_revoke_view, name="token_revoke"),
]
