"""The help pages (``help:`` names, under ``/help/``): short, plain-English pages linked from the pages that
need them."""

from django.urls import path

from . import views

app_name = "help"
urlpatterns = [
    path("", views.help_index, name="index"),
    path("sample/", views.help_sample, name="sample"),
    path("grades/", views.help_grades, name="grades"),
    path("send-backs/", views.help_send_backs, name="send_backs"),
]
