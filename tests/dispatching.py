"""Picking a force for tests that send one as a whole: the demo has a vehicle of some station out already."""

from yingji.incidents.services import dispatch


def idle_candidate(incident, user):
    """The best-ranked candidate with nothing of it out, which may be sent as a whole."""
    return next(c for c in dispatch.candidates(incident, user, limit=50)
                if not c.busy and not any(v.status_label == "出动" for v in c.vehicles))
