from .views import board, duty, incidents, public, reports

app_name = "incidents"

# Each feature module lists its own pages.
urlpatterns = incidents.urlpatterns + board.urlpatterns + reports.urlpatterns + public.urlpatterns + duty.urlpatterns
