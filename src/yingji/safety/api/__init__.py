from .enterprises import *  # noqa: F401,F403
