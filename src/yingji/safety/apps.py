from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "yingji.safety"
    label = "safety"
    verbose_name = "安全监管"

    def ready(self):
        from yingji.core import roles

        from . import sheets  # noqa: F401  (registers the Excel sheet of enterprises)

        models = ["enterprise", "licence", "hazardunit", "inventoryline", "riskpoint", "riskscheme"]
        # Everyone on duty may look (the one-map shows major hazard sources to commanders and townships).
        for role in ("管理员", "值班员", "指挥长", "消防调度员", "安全监管员", "乡镇用户", "领导", "企业用户"):
            roles.grant(role, [f"safety.view_{m}" for m in models])
        for role in ("管理员", "安全监管员"):
            roles.grant(role, [f"safety.{a}_{m}" for m in models for a in ("add", "change", "delete")])
        # An enterprise keeps its own 一企一档, licences, units and inventories (自查自报); scoping keeps it there.
        own = ["licence", "hazardunit", "inventoryline", "riskpoint"]  # not the bureau's risk schemes
        roles.grant("企业用户", ["safety.change_enterprise"] + [f"safety.{a}_{m}" for m in own
                                                               for a in ("add", "change", "delete")])
        from .services.hazards import grant_roles

        grant_roles(roles)  # the hazard loop's roles: services/hazards.py
        from .services.inspections import grant_roles as grant_inspection_roles

        grant_inspection_roles(roles)  # inspections and enforcement: services/inspections.py
