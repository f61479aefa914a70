"""Roles are Django groups named after ``domain.roles.Role``; no tables of our own yet."""
