"""Public routes of warnings (no login), mounted with the staff pages by urls.py under the "warnings" namespace."""

from django.urls import path, re_path

from .feeds import WarningFeed
from .views import public

urlpatterns = [
    path("public/warnings/", public.PublicWarningsView.as_view(), name="public_list"),
    path("public/warnings/feed.xml", WarningFeed(), name="public_feed"),
    path("public/warnings/warnings.geojson", public.public_geojson, name="public_geojson"),
    path("public/warnings/sms-reports/", public.sms_reports, name="sms_reports"),
    re_path(r"^public/warnings/(?P<identifier>[0-9A-Za-z_.\-]{1,128})/$", public.public_detail, name="public_detail"),
    # GB/T 35965.1 identifiers are digits and underscores; imported ones are never served here.
    re_path(r"^public/warnings/(?P<identifier>[0-9A-Za-z_.\-]{1,128})\.xml$", public.cap_message, name="public_cap"),
]
