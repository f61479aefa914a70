from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "casereview.web.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the journal receivers)
