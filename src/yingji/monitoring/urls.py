from .views import alarms, registry

app_name = "monitoring"

urlpatterns = [*registry.urlpatterns, *alarms.urlpatterns]
