"""Which scheduled backups to keep: the newest of each of the last N days that have one, and the newest of each of
the last M ISO weeks that have one (a backup may count for both). Pure: no Django; names carry their UTC time."""

import re
from datetime import UTC, datetime, tzinfo

NAME = re.compile(r"^yingji-(\d{8}T\d{6}Z)\.tar\.gz$")


def archive_name(moment: datetime) -> str:
    return f"yingji-{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar.gz"


def parse_name(name: str) -> datetime | None:
    match = NAME.match(name)
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if match else None


def to_keep(names: list[str], daily: int, weekly: int, zone: tzinfo) -> set[str]:
    """The names to keep among `names` (others of our pattern may go; names not ours are never in question).
    Days and weeks are those of `zone` (the bureau's local time)."""
    stamped = sorted(((parse_name(n), n) for n in names if parse_name(n)), reverse=True)
    keep: set[str] = set()
    for size, bucket in ((daily, lambda t: t.date()), (weekly, lambda t: t.isocalendar()[:2])):
        seen = []
        for moment, name in stamped:  # newest first: the first of each bucket is its newest
            key = bucket(moment.astimezone(zone))
            if key not in seen:
                if len(seen) == size:
                    break
                seen.append(key)
                keep.add(name)
    return keep
