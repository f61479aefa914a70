from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("national-trend/", views.trend, name="trend"),
    path("<int:publication_id>/", views.published, name="published"),
    path("<int:publication_id>/download/", views.published_download, name="published_download"),
    path("inspection/<int:inspection_id>/", views.draft, name="draft"),
    path("inspection/<int:inspection_id>/download/", views.draft_download, name="draft_download"),
    path("inspection/<int:inspection_id>/publish/", views.publish, name="publish"),
    path("inspection/<int:inspection_id>/schedule/", views.schedule, name="schedule"),
    path(
        "inspection/<int:inspection_id>/schedule/cancel/",
        views.schedule_cancel,
        name="schedule_cancel",
    ),
]
