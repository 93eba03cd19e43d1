"""Template context for every page: the navigation the user may open, built from each app's nav.NAV."""

from django.urls import reverse

from yingji.core.discovery import app_modules

_NAV_CACHE = None


def _all_sections():
    global _NAV_CACHE
    if _NAV_CACHE is None:
        sections = [section for module in app_modules("nav") for section in module.NAV]
        # Administration comes last whatever the app order.
        _NAV_CACHE = sorted(sections, key=lambda section: section[0] == "系统管理")
    return _NAV_CACHE


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    sections = []
    for title, items in _all_sections():
        visible = [{"label": label, "url": reverse(name)} for label, name, perm in items if user.has_perm(perm)]
        if visible:
            sections.append({"title": title, "items": visible})
    # The active entry is the longest URL the current path starts with (/vehicles/lifecycle/ is not /vehicles/).
    matches = [item for section in sections for item in section["items"] if request.path.startswith(item["url"])]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_sections": sections}
