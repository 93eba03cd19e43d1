from .views import duty, incidents, public, reports

app_name = "incidents"

# Each feature module lists its own pages.
urlpatterns = incidents.urlpatterns + reports.urlpatterns + public.urlpatterns + duty.urlpatterns
