from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "casereview.web.accounts"
    label = "accounts"
