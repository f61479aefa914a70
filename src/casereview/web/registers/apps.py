from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "casereview.web.registers"
    label = "registers"
