"""Demo planning data: disaster-loss reports and denominators, 乐至's six indicators (seed 002), plan tasks and
资阳's ten key projects (seed 000), transcribed exactly; each area's part is in demo_data/<area>.py."""

from importlib import import_module

from . import AREAS


def load(log):
    for area in AREAS:
        import_module(f"yingji.planning.demo_data.{area}").load(log)
