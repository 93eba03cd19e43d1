"""What every benchmark shares: a median timer, and a Django site with the demo county in a fresh var dir."""

import os
import statistics
import tempfile
import time
from pathlib import Path


def median_ms(fn, runs=15, warm=True):
    """Median wall time of fn() in milliseconds (one warm-up call first, unless warm=False)."""
    if warm:
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def demo_site() -> Path:
    """Set up Django on SQLite in a new temporary var dir, migrate, load the demo county; returns the dir."""
    workdir = Path(tempfile.mkdtemp(prefix="yingji-bench-"))
    os.environ.update(YINGJI_VAR_DIR=str(workdir), DJANGO_SETTINGS_MODULE="yingji.settings",
                      YINGJI_ALLOWED_HOSTS="testserver,localhost")
    os.environ.pop("YINGJI_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from yingji.core.demo import load_all

    load_all(log=lambda *_: None)
    return workdir
