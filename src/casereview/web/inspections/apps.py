from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "casereview.web.inspections"
    label = "inspections"
