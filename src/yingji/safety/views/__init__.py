from .enterprises import *  # noqa: F401,F403
from .hazards import *  # noqa: F401,F403
from .inspections import *  # noqa: F401,F403
from .risks import *  # noqa: F401,F403
