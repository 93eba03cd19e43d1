from . import api

routes = api.ROUTES
