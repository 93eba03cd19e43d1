from .api import duty, incidents, public, reports

routes = incidents.routes + reports.routes + public.routes + duty.routes
