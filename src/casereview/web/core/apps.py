from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "casereview.web.core"
    label = "core"
