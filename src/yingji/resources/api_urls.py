from . import api

routes = [
    ("forces", api.ForceViewSet, "rescueforce"),
]
