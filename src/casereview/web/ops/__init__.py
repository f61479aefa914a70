"""Operating the service: backup and restore. It reads the journal to check a restore, so it sits above the apps."""
