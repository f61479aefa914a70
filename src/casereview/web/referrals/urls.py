from django.urls import path

from . import views

# "referrals:open" (a send back opened from a submitted review) is a review page's action: its view lives
# with the reviews, and web/urls.py adds it to this namespace.
app_name = "referrals"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:send_back_id>/", views.detail, name="detail"),
]
