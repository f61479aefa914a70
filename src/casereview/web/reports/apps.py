from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "casereview.web.reports"
    label = "reports"
