from django.apps import AppConfig


class LanguageConfig(AppConfig):
    name = "casereview.web.language"
    label = "language"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (carries a person's stored choice into their new session)
