"""Monitoring pages: alarms."""

urlpatterns = []
