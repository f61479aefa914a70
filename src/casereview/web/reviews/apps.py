from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "casereview.web.reviews"
    label = "reviews"

    def ready(self) -> None:
        # The inspection's task list (inspections, an app below this one) counts assignments, reviews,
        # disagreements and send backs, which only this app reads.
        from casereview.web.inspections.selectors import provide_progress

        from .lead_selectors import review_progress

        provide_progress(self.label, review_progress)
