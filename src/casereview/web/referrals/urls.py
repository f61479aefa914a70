from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:send_back_id>/", views.detail, name="detail"),
    path("from-review/<int:assignment_id>/", views.open_from_review, name="open"),
]
