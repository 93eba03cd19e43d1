from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yingji.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self):
        from django.db.models.signals import post_migrate

        # Signal receivers, the sheet registry, and the start-up scoping check (yingji.E001–E006).
        from . import checks, roles, security, sheets  # noqa: F401

        # After every app's migrations, since each app's permissions appear only with its own post_migrate.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="yingji-sync-roles")

        from django.conf import settings

        if settings.YINGJI_METRICS:  # SQL timing for /metrics (core/metrics.py)
            from .metrics import install_db_timing

            install_db_timing()
