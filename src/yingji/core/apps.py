from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yingji.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import roles, security, sheets  # noqa: F401  (signal receivers, sheet registry)

        post_migrate.connect(roles.sync_roles_after_migrate, sender=self)
