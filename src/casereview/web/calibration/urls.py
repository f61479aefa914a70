"""The calibration pages: the list, a new calibration, one calibration (its steps and, once complete, its
figures, the body's drift and the draw's manifest); withdrawing one."""

from django.urls import path

from . import views

app_name = "calibration"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:calibration_id>/", views.detail, name="detail"),
    path("<int:calibration_id>/seed/", views.commit, name="commit"),
    path("<int:calibration_id>/draw/", views.draw, name="draw"),
    path("<int:calibration_id>/complete/", views.complete, name="complete"),
    path("<int:calibration_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:calibration_id>/manifest.json", views.manifest, name="manifest"),
]
