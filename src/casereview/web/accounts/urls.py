from django.urls import path

from casereview.web.api import views as api_views

from . import sso_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.users, name="users"),
    path("locked/", views.locked, name="locked"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/", api_views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", api_views.token_revoke_view, name="token_revoke"),
    path("sign-in-help/", views.sign_in_help, name="sign_in_help"),
    path("confirm-it-is-you/", views.confirm_identity, name="confirm_identity"),
    path(
        "confirm-it-is-you/organisation/",
        sso_views.sso_confirm_start,
        name="confirm_identity_sso",
    ),
    path("user/<str:username>/", views.user_page, name="user"),
    path("user/<str:username>/role/", views.user_role, name="user_role"),
    path("user/<str:username>/reactivate/", views.user_reactivate_view, name="user_reactivate"),
    path(
        "user/<str:username>/second-factor/reset/",
        views.user_second_factor_reset_view,
        name="user_second_factor_reset",
    ),
    path("user/<str:username>/deactivate/", views.user_deactivate_view, name="user_deactivate"),
]
