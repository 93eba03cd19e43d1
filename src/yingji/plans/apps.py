from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "yingji.plans"
    label = "plans"
    verbose_name = "应急预案"

    def ready(self):
        from yingji.core import roles
        from yingji.incidents.signals import incident_event, status_changing

        from .services import complete_on_event, refuse_ending_while_responding

        status_changing.connect(refuse_ending_while_responding, dispatch_uid="plans-refuse-ending")
        incident_event.connect(complete_on_event, dispatch_uid="plans-complete-on-event")

        models = ["plan", "responselevel", "tasktemplate", "activation", "task", "taskupdate"]
        # Enterprise users see no incidents, so neither the responses on them.
        for role in roles.ROLE_NAMES:
            if role != "企业用户":
                roles.grant(role, [f"plans.view_{m}" for m in models])
        # The bureau keeps the plans; the commander starts, escalates and ends responses and adds tasks.
        roles.grant("管理员", [f"plans.{a}_{m}" for m in ("plan", "responselevel", "tasktemplate")
                             for a in ("add", "change", "delete")])
        for role in ("管理员", "指挥长"):
            roles.grant(role, ["plans.add_activation", "plans.change_activation", "plans.add_task"])
        # Progress is recorded by the seat that follows it up (duty officer), the commander, and township
        # staff for their own government's tasks (the service checks the responsible unit's region).
        for role in ("管理员", "指挥长", "值班员", "乡镇用户"):
            roles.grant(role, ["plans.change_task"])
