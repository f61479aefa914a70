"""casereview: inspecting how child-protection cases were handled."""

__version__ = "0.1.0"
