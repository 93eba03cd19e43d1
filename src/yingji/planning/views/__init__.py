"""Planning pages: one module per area, each with urlpatterns and NAV_ITEMS."""
