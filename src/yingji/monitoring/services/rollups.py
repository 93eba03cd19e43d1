"""1-minute and 1-hour rollups of readings (being written this session; see __init__)."""


def add(batch) -> None:
    """Fold a stored batch (services/batch.Batch) into the rollups, inside the ingest transaction."""
