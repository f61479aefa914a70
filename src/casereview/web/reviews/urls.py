from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:assignment_id>/", views.review, name="review"),
    path("<int:assignment_id>/autosave/", views.autosave, name="autosave"),
    path("<int:assignment_id>/reopen/", views.reopen, name="reopen"),
]
