from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "yingji.incidents"
    label = "incidents"
    verbose_name = "接报与指挥"

    def ready(self):
        from yingji.core import roles

        from . import sheets  # noqa: F401  (registers the 值班日志 sheet)

        models = ["incident", "timelineentry", "informationreport", "assignment", "dutyshift", "publicreport",
                  "dutylogentry", "reportdelivery", "reporturge"]  # deliveries and 催报 are written by the
        # report workflow's services, which check the roles settings name (YINGJI_REPORT_*)
        for role in roles.ROLE_NAMES:
            if role not in ("企业用户",):
                roles.grant(role, [f"incidents.view_{m}" for m in models])
        # The duty seat takes reports, opens, grades and reports incidents; the commander too.
        seat = [f"incidents.{a}_{m}" for m in ("incident", "informationreport", "timelineentry", "publicreport")
                for a in ("add", "change")] + ["incidents.grade_incident", "incidents.merge_incident"]
        for role in ("管理员", "值班员", "指挥长"):
            roles.grant(role, seat)
        # Dispatch: duty officers, commanders and fire dispatchers send and track forces.
        for role in ("管理员", "值班员", "指挥长", "消防调度员"):
            roles.grant(role, ["incidents.add_assignment", "incidents.change_assignment",
                               "incidents.add_timelineentry"])
        # Townships report what happens on their ground and add notes to it.
        roles.grant("乡镇用户", ["incidents.add_incident", "incidents.add_timelineentry",
                             "incidents.change_informationreport"])  # drafts 首报/续报; issuing is the seat's
        roles.grant("管理员", [f"incidents.{a}_dutyshift" for a in ("add", "change", "delete")])
        roles.grant("值班员", ["incidents.change_dutyshift"])  # handover notes
        # 值班日志: kept by whoever sits the duty room (the county's seat, a township's own duty room).
        for role in ("管理员", "值班员", "指挥长", "乡镇用户"):
            roles.grant(role, [f"incidents.{a}_dutylogentry" for a in ("add", "change")])
        roles.grant("管理员", ["incidents.delete_dutylogentry"])
        roles.grant("值班员", ["incidents.delete_dutylogentry"])
