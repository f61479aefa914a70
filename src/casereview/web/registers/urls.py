from django.urls import path

from . import views

app_name = "registers"
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("bodies/new/", views.body_new, name="body_new"),
    path("upload/errors/<str:token>.csv", views.upload_errors, name="upload_errors"),
    path("<int:register_id>/", views.detail, name="detail"),
    path("<int:register_id>/cases/", views.cases, name="cases"),
]
