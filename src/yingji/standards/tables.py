"""Reading the data files that hold standards' tables and demo data: CSV with "#" comment lines."""

import csv
from pathlib import Path


def read_table(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))
