from django.urls import include, path, re_path

from casereview.web.accounts import session_views, sso_views
from casereview.web.accounts import views as account_views
from casereview.web.api.api import api
from casereview.web.api.views import api_not_found
from casereview.web.core import views as core_views
from casereview.web.home import views as home_views
from casereview.web.inspections import urls as inspection_urls
from casereview.web.language import views as language_views
from casereview.web.referrals import urls as referral_urls
from casereview.web.reviews import lead_urls as inspection_lead_urls
from casereview.web.reviews import views as review_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("help/", include("casereview.web.home.help_urls")),
    path("accessibility/", home_views.accessibility, name="accessibility"),
    path("language/", language_views.switch, name="language"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", sso_views.sign_out, name="logout"),
    path("login/sso/", sso_views.sso_start, name="sso_start"),
    path("login/sso/callback/", sso_views.sso_callback, name="sso_callback"),
    path("signed-out/", sso_views.signed_out, name="signed_out"),
    path("login/two-factor/", account_views.two_factor_verify, name="two_factor_verify"),
    path("login/two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("session/keep-alive/", session_views.keep_alive, name="keep_alive"),
    path("registers/", include("casereview.web.registers.urls")),
    path("journal/", include("casereview.web.journal.urls")),
    # The lead's parts of an inspection that read reviews live in reviews, under the inspection's addresses.
    path(
        "inspections/",
        include(
            (
                [*inspection_urls.urlpatterns, *inspection_lead_urls.urlpatterns],
                inspection_urls.app_name,
            )
        ),
    ),
    path("reviews/", include("casereview.web.reviews.urls")),
    path(
        "send-backs/",
        include(
            (
                [
                    *referral_urls.urlpatterns,
                    path(
                        "from-review/<int:assignment_id>/",
                        review_views.open_from_review,
                        name="open",
                    ),
                ],
                referral_urls.app_name,
            )
        ),
    ),
    path("users/", include("casereview.web.accounts.urls")),
    path("notifications/", include("casereview.web.notifications.urls")),
    path("reports/", include("casereview.web.reports.urls")),
    path("calibrations/", include("casereview.web.calibration.urls")),
    path("recommendations/", include("casereview.web.followup.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found, name="api_not_found"),
]
