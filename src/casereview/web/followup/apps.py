from django.apps import AppConfig


class FollowupConfig(AppConfig):
    """Findings, recommendations and the body's action plans, tracked to the next inspection (issue 24)."""

    name = "casereview.web.followup"
    label = "followup"

    def ready(self) -> None:
        # The report (reports, an app below this one) has a section on the body's earlier recommendations,
        # which only this app reads.
        from casereview.web.reports.selectors import provide_followup_progress

        from .report_section import progress_facts

        provide_followup_progress(progress_facts)
