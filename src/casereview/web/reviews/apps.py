from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "casereview.web.reviews"
    label = "reviews"
