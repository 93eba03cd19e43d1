"""Monitoring pages: registry."""

urlpatterns = []
