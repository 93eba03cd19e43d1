from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "yingji.monitoring"
    label = "monitoring"
    verbose_name = "监测预警"

    def ready(self):
        from yingji.core import roles

        from . import sheets  # noqa: F401  (registers the Excel sheet of sensors)

        registry = ["gateway", "sensor", "rule", "ingestrejection"]
        watched = ["sensor", "reading", "rollup", "alarm", "alarmevent"]
        # Everyone on duty sees sensors and alarms in their region (scoping keeps townships and enterprises in theirs).
        for role in ("管理员", "值班员", "指挥长", "消防调度员", "安全监管员", "乡镇用户", "领导", "企业用户"):
            roles.grant(role, [f"monitoring.view_{m}" for m in watched])
        # The bureau keeps the registry and the rules; the duty seat handles alarms; an enterprise handles its own.
        for role in ("管理员", "安全监管员"):
            roles.grant(role, [f"monitoring.{a}_{m}" for m in registry for a in ("add", "change", "delete", "view")])
        for role in ("管理员", "值班员", "安全监管员", "企业用户"):
            roles.grant(role, ["monitoring.change_alarm"])
        roles.grant("企业用户", [f"monitoring.{a}_{m}" for m in ("sensor", "gateway") for a in ("add", "change", "view")])
