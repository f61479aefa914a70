from django.apps import AppConfig


class FollowupConfig(AppConfig):
    """Findings, recommendations and the body's action plans, tracked to the next inspection (issue 24)."""

    name = "casereview.web.followup"
    label = "followup"
