from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "casereview.web.reports"
    label = "reports"

    def ready(self) -> None:
        # The draw form (inspections, an app below this one) states what a planned sample could see
        # against the body's earlier results, which only this app can read.
        from casereview.web.inspections.selectors import provide_earlier_results

        from .selectors import earlier_results

        provide_earlier_results(earlier_results)
