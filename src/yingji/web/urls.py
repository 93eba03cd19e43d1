from django.urls import path

from . import onemap, views

app_name = "web"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("map/", onemap.OneMapView.as_view(), name="onemap"),
    path("map/roads/", onemap.roads_layer, name="onemap_roads"),
    path("map/tiles/<int:z>/<int:x>/<int:y>.<str:ext>", onemap.map_tile, name="map_tile"),
    path("map/search/", onemap.place_search, name="place_search"),
]
