"""PySide6 views over the medspa_desk core."""
