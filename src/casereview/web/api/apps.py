from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "casereview.web.api"
    label = "api"
