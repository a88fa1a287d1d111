"""A logging handler that keeps records instead of printing them: nbgrader's apps and
preprocessors warn in their own words, and the grader reports what matters in its own."""

from __future__ import annotations

import logging


class LogCapture(logging.Handler):
    """Keeps every record at ``level`` or above (default: warnings) in ``records``."""

    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        """The records' messages, in order."""
        return [record.getMessage() for record in self.records]


__all__ = ["LogCapture"]
