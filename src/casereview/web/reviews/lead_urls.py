"""The lead inspector's parts of an inspection that read reviews, and the forms posted from them.

No ``app_name``: web/urls.py adds these to the ``inspections`` namespace under ``/inspections/``, so their
addresses and URL names (``inspections:assign`` …) are the inspection's, while the inspections app (below
reviews) never imports reviews.
"""

from django.urls import path

from . import lead_views

urlpatterns = [
    path("<int:inspection_id>/people/", lead_views.people, name="people"),
    path("<int:inspection_id>/assign/", lead_views.assign, name="assign"),
    path("<int:inspection_id>/move/", lead_views.move, name="move"),
    path("<int:inspection_id>/moderation/", lead_views.moderation, name="moderation"),
    path("<int:inspection_id>/resolve/", lead_views.resolve, name="resolve"),
    path("<int:inspection_id>/agreement/", lead_views.agreement, name="agreement"),
    path("<int:inspection_id>/cases/", lead_views.cases, name="cases"),
    path("<int:inspection_id>/cases.csv", lead_views.cases_csv, name="cases_csv"),
    path(
        "<int:inspection_id>/disagreements/<int:sampled_case_id>/",
        lead_views.disagreement,
        name="disagreement",
    ),
]
