from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "yingji.resources"
    label = "resources"
    verbose_name = "应急资源"

    def ready(self):
        from yingji.core import roles

        from . import sheets  # noqa: F401  (registers the Excel sheets)

        models = ["rescueforce", "forcestatuschange", "warehouse", "supplyitem", "stockmovement", "stocklevel",
                  "reservenorm", "shelter", "hydrant", "hydrantinspection", "expert", "agreementreserve",
                  "agreementitem", "vehicle", "equipment", "maintenancerecord"]
        everyone = [f"resources.view_{m}" for m in models]
        for role in roles.ROLE_NAMES:
            roles.grant(role, everyone)
        writers = {"管理员": ["add", "change", "delete"], "消防调度员": ["change"], "指挥长": ["change"],
                   "值班员": ["change"]}
        for role, actions in writers.items():
            roles.grant(role, [f"resources.{a}_rescueforce" for a in actions])
        roles.grant("管理员", [f"resources.{a}_{m}" for m in ("warehouse", "supplyitem", "reservenorm", "shelter",
                                                             "hydrant", "expert", "agreementreserve",
                                                             "vehicle", "equipment") for a in ("add", "change", "delete")])
        # Hydrant checks are done by fire crews and township staff; townships keep their shelters current.
        for role in ("管理员", "消防调度员", "乡镇用户"):
            roles.grant(role, ["resources.add_hydrantinspection", "resources.change_hydrant"])
        roles.grant("乡镇用户", ["resources.change_shelter"])
        # Station crews keep their own vehicles' and equipment's logs.
        for role in ("管理员", "消防调度员"):
            roles.grant(role, ["resources.add_maintenancerecord", "resources.change_vehicle",
                               "resources.change_equipment"])
        # Keepers of the ledger: the bureau, commanders issuing in a response, township store keepers.
        for role in ("管理员", "指挥长", "乡镇用户"):
            roles.grant(role, ["resources.add_stockmovement"])
