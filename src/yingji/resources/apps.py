from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "yingji.resources"
    label = "resources"
    verbose_name = "应急资源"

    def ready(self):
        from yingji.core import roles

        from . import sheets  # noqa: F401  (registers the Excel sheets)

        everyone = ["resources.view_rescueforce", "resources.view_forcestatuschange"]
        for role in roles.ROLE_NAMES:
            roles.grant(role, everyone)
        writers = {"管理员": ["add", "change", "delete"], "消防调度员": ["change"], "指挥长": ["change"],
                   "值班员": ["change"]}
        for role, actions in writers.items():
            roles.grant(role, [f"resources.{a}_rescueforce" for a in actions])
