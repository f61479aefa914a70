from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "casereview.web.referrals"
    label = "referrals"
