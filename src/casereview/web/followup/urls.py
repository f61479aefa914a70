from django.urls import path

from . import views

app_name = "followup"
urlpatterns = [
    path("", views.register, name="register"),
    path("<int:recommendation_id>/", views.recommendation, name="recommendation"),
    path("inspections/<int:inspection_id>/findings/", views.findings, name="findings"),
    path("inspections/<int:inspection_id>/judge/", views.judge, name="judge"),
    path("plans/<int:plan_id>/", views.plan, name="plan"),
    path("actions/<int:action_id>/update/", views.action_update, name="action_update"),
]
