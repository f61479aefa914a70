from django.apps import AppConfig


class CalibrationConfig(AppConfig):
    """A body's own audit, and the inspectorate's blind re-grading of a sample of it (issue 24)."""

    name = "casereview.web.calibration"
    label = "calibration"
