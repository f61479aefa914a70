from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "casereview.web.reports"
    label = "reports"

    def ready(self) -> None:
        # The draw form (inspections, an app below this one) states what a planned sample could see
        # against the body's earlier results, which only this app can read.
        from casereview.web.inspections.selectors import provide_earlier_results, provide_progress

        from .publication_selectors import publications_counted
        from .selectors import earlier_results

        provide_earlier_results(earlier_results)
        # The inspection's task list says whether its report is published.
        provide_progress(self.label, publications_counted)
