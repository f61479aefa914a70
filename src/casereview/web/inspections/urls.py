from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:inspection_id>/", views.detail, name="detail"),
    path("<int:inspection_id>/seed/", views.commit, name="commit"),
    path("<int:inspection_id>/draw/", views.draw, name="draw"),
    path("<int:inspection_id>/manifest.json", views.manifest, name="manifest"),
    path("<int:inspection_id>/replace/", views.replace, name="replace"),
    path("<int:inspection_id>/assign/", views.assign, name="assign"),
    path("<int:inspection_id>/resolve/", views.resolve, name="resolve"),
    path("<int:inspection_id>/move/", views.move, name="move"),
]
