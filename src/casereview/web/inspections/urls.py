"""The inspection pages of this app: the overview, the seed and draw steps, the sample part.

The people, moderation and agreement parts (and the assign, resolve and move forms) read reviews: their
paths, in this same ``inspections`` namespace, come from ``reviews/lead_urls.py`` (composed in web/urls.py).
"""

from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:inspection_id>/", views.detail, name="detail"),
    path("<int:inspection_id>/seed/", views.commit, name="commit"),
    path("<int:inspection_id>/draw/", views.draw, name="draw"),
    path("<int:inspection_id>/sample/", views.sample, name="sample"),
    path("<int:inspection_id>/manifest.json", views.manifest, name="manifest"),
    path("<int:inspection_id>/replace/", views.replace, name="replace"),
]
