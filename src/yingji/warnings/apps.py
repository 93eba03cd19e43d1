from django.apps import AppConfig

# Rows written without an audit entry of their own, each for a reason (core.services.NOT_AUDITED; the audit
# coverage test walks every other model).
NOT_AUDITED = {
    "warnings.delivery": "预警送达记录由发布时的靶向计算批量生成、由发送任务回写结果；每次发布与送达汇总均记入预警处理记录和预警的审计记录",
    "warnings.warningcoverage": "预警覆盖统计由靶向计算派生，随预警的发布审计记录（覆盖人数）一同写入",
    "warnings.smsreportcount": "短信状态报告计数只是计数器（回调次数与报告条数），每条报告的结果写在送达记录上",
    "warnings.warningevent": "预警处理记录只追加，每条随预警的审计记录一同写入（含操作人、时间）",
}


class WarningsConfig(AppConfig):
    name = "yingji.warnings"
    label = "warnings"
    verbose_name = "预警发布"

    def ready(self):
        from yingji.core import roles, services

        from . import sheets  # noqa: F401  (registers the Excel sheets of recipients and terminals)

        services.NOT_AUDITED.update(NOT_AUDITED)
        read = [f"warnings.view_{m}" for m in ("warning", "warningarea", "warningcoverage", "warningevent",
                                                "delivery", "warningtemplate")]
        registry = ["recipient", "loudspeakerterminal", "warningtemplate"]
        # Everyone signed in reads the warnings in their scope (a township: the county's that reach it).
        for role in ("管理员", "值班员", "指挥长", "消防调度员", "安全监管员", "乡镇用户", "领导", "企业用户"):
            roles.grant(role, read)
        # Who drafts, reviews and signs is YINGJI_WARNING_DRAFTERS / _REVIEWERS / _SIGNERS; these permissions let
        # them reach the steps at all (值班员 drafts, 指挥长/值班员 review, 领导 signs and may cancel at once).
        for role in ("管理员", "值班员", "指挥长", "领导", "乡镇用户"):
            roles.grant(role, ["warnings.add_warning", "warnings.change_warning", "warnings.delete_warning"])
        # The registers behind targeting: the bureau keeps recipients, terminals and templates; a township its own.
        for role in ("管理员", "值班员", "乡镇用户"):
            roles.grant(role, [f"warnings.{a}_{m}" for m in registry for a in ("add", "change", "delete", "view")])
        for role in ("指挥长", "领导", "安全监管员"):
            roles.grant(role, [f"warnings.view_{m}" for m in registry])
        # The webhook register: kept like the other registers, but disabled rather than deleted (its deliveries
        # stay with it), so nobody is given the delete permission.
        for role in ("管理员", "值班员", "乡镇用户"):
            roles.grant(role, [f"warnings.{a}_webhooksubscriber" for a in ("add", "change", "view")])
        for role in ("指挥长", "领导"):
            roles.grant(role, ["warnings.view_webhooksubscriber"])
