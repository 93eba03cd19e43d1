"""The public Atom feed of our warnings (/public/warnings/feed.xml), for the provincial platform and anyone who
subscribes: the messages in force, and the Cancels of the last CANCEL_DAYS days so a subscriber learns that a
warning ended (the cancelled message itself leaves the feed; the Cancel references it). Each entry links to the message's CAP XML (/public/warnings/<identifier>.xml,
rel="alternate" type="application/cap+xml"), as CAP Atom feeds do."""

from datetime import timedelta

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from .models import Warning
from .views.common import level_info
from .views.public import area_text, public_current, public_messages

CANCEL_DAYS = 2
MAX_ENTRIES = 200
CAP_TYPE = "application/cap+xml"


class CapAtomFeed(Atom1Feed):
    """Atom 1.0 whose entry links say they lead to a CAP message."""

    content_type = "application/atom+xml; charset=utf-8"

    def add_item_elements(self, handler, item):
        quick = handler.addQuickElement

        def typed_link(name, contents=None, attrs=None):
            if name == "link" and attrs and attrs.get("rel") == "alternate":
                attrs = {**attrs, "type": CAP_TYPE}
            return quick(name, contents, attrs)

        handler.addQuickElement = typed_link
        try:
            super().add_item_elements(handler, item)
        finally:
            del handler.addQuickElement


class WarningFeed(Feed):
    feed_type = CapAtomFeed
    title = "预警信息发布"
    subtitle = "当前生效的突发事件预警信息（CAP 1.2，GB/T 35965.1）及近期解除信息。"
    link = "/public/warnings/"

    def feed_url(self):
        return "/public/warnings/feed.xml"

    def items(self):
        since = timezone.now() - timedelta(days=CANCEL_DAYS)
        in_force = list(public_current().values_list("pk", flat=True))
        ending = public_messages().filter(msg_type=Warning.CANCEL, sent__gte=since).values_list("pk", flat=True)
        ids = set(in_force) | set(ending)
        return (public_messages().filter(pk__in=ids).prefetch_related("areas").order_by("-sent", "-id")
                [:MAX_ENTRIES])

    def item_title(self, item):
        prefix = {Warning.CANCEL: "【解除】", Warning.UPDATE: "【更新】"}.get(item.msg_type, "")
        return f"{prefix}{item.headline}"

    def item_description(self, item):
        info = level_info(item.level)
        parts = [f"{info['label']}。" if item.level else "", item.description]
        area = area_text(item)
        if area:
            parts.append(f"预警区域：{area}。")
        if item.instruction:
            parts.append(f"防御指南：{item.instruction}")
        return "\n".join(p for p in parts if p)

    def item_link(self, item):
        return f"/public/warnings/{item.identifier}.xml"

    def item_guid(self, item):
        return f"urn:oid:cap:{item.identifier}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.sent

    def item_updateddate(self, item):
        return item.sent

    def item_author_name(self, item):
        return item.sender_name or item.sender or None

    def item_categories(self, item):
        return [item.event_code] if item.event_code else []
