from . import api, api_ingest

routes = [*api_ingest.ROUTES, *api.ROUTES]
