from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "casereview.web.journal"
    label = "journal"
