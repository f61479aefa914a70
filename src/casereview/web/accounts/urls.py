from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [path("locked/", views.locked, name="locked")]
