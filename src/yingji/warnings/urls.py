"""Pages of warnings (预警发布), found by core/discovery.py: the staff pages and the public ones."""

from . import public_urls
from .views import editing, registers, warnings, webhooks

app_name = "warnings"

urlpatterns = [*warnings.urlpatterns, *editing.urlpatterns, *registers.urlpatterns, *webhooks.urlpatterns, *public_urls.urlpatterns]
