"""Information reports (首报/续报/终报): deadlines, content, .docx — being built (issue 4).

The incident services call the three hooks below inside their transaction.
"""


def on_incident_opened(incident, actor):
    """A new incident: the 首报 becomes due."""


def on_incident_changed(incident, reason: str, actor):
    """Casualties, loss or grade changed: a 续报 becomes due."""


def on_status_changed(incident, old_status: str, actor):
    """The status changed: a 续报 (or, when ended, the 终报) becomes due."""
