"""Rules over a stored batch: raise, escalate and clear alarms (being written this session; see __init__)."""


def evaluate(batch, *, now=None) -> list:
    """Judge a stored batch (services/batch.Batch) inside the ingest transaction; returns the alarms touched."""
    return []
