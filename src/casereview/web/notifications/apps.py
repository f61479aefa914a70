from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "casereview.web.notifications"
    label = "notifications"
