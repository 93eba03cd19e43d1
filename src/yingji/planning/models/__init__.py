"""Planning's models, one module per area (see planning/__init__.py)."""

from .indicators import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .projects import *  # noqa: F401,F403
from .reports import *  # noqa: F401,F403
from .tasks import *  # noqa: F401,F403
