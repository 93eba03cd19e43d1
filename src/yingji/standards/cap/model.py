"""CAP 1.2 message as plain dataclasses: Alert → Info → Area (and Resource, Reference).

Coordinates follow CAP: a polygon is a list of (lat, lon) points, first == last, at least 4 points; a circle is
(lat, lon, radius_km); a geocode / eventCode / parameter is a (valueName, value) pair. Times are aware datetimes.
"""

from dataclasses import dataclass, field
from datetime import datetime

Point = tuple[float, float]  # (lat, lon), WGS 84
Pair = tuple[str, str]  # (valueName, value)


@dataclass
class Area:
    desc: str
    polygons: list[list[Point]] = field(default_factory=list)
    circles: list[tuple[float, float, float]] = field(default_factory=list)  # (lat, lon, radius km)
    geocodes: list[Pair] = field(default_factory=list)  # e.g. ("GB/T 2260", "512022")
    altitude: str | None = None  # feet above mean sea level, as CAP has it (decimal text)
    ceiling: str | None = None


@dataclass
class Resource:
    desc: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None


@dataclass
class Info:
    event: str
    categories: list[str] = field(default_factory=lambda: ["Met"])
    level: int | None = None  # 1 红 … 4 蓝; sent as the 预警级别 parameter, fills urgency/severity/certainty
    urgency: str | None = None  # None: from the level's profile
    severity: str | None = None
    certainty: str | None = None
    language: str = "zh-CN"
    response_types: list[str] = field(default_factory=list)
    audience: str | None = None
    event_codes: list[Pair] = field(default_factory=list)  # e.g. ("GB/T 35561", "11B03")
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: list[Pair] = field(default_factory=list)  # other than the level parameter
    resources: list[Resource] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)

    @property
    def event_code(self) -> str | None:
        """The GB/T 35561 code, if the info carries one."""
        return next((value for name, value in self.event_codes if name == "GB/T 35561"), None)


@dataclass(frozen=True)
class Reference:
    sender: str
    identifier: str
    sent: datetime


@dataclass
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: str = "Actual"
    msg_type: str = "Alert"
    scope: str = "Public"
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    codes: list[str] = field(default_factory=list)
    note: str | None = None
    references: list[Reference] = field(default_factory=list)  # the earlier messages an Update/Cancel replaces
    incidents: str | None = None
    infos: list[Info] = field(default_factory=list)
    signed: bool = field(default=False, compare=False)  # set by parse() when an XML signature was verified

    def reference(self) -> Reference:
        """This message as an entry of a later Update's or Cancel's references."""
        return Reference(self.sender, self.identifier, self.sent)
