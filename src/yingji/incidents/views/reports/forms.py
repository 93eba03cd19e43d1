"""The forms of the report pages: the report's content (edit, submit, preview) and the reason to cancel."""

from django import forms

from ...models import InformationReport
from ...services import reports as services


class ContentForm(forms.Form):
    """Every part of the report and the 版记 (抄送, 联系人, phone), labelled for the kind of report (`report`).
    Blank is allowed while editing; issue requires the core parts. Parts left blank that are not core do not
    appear in the document."""

    SHORT = ("unit_overview", "casualties_loss", "potential_loss", "trend", "leaders", "next_steps", "other")
    HELP = {
        "time_place_scene": "一、事件基本情况。按“时间：…”“地点：…”分行填写；事件等级只在这里写一次。",
        "account": "二、简要经过：事件怎样发生、如何接报，不写系统操作记录。",
        "casualties_loss": "三、伤亡和损失。伤亡含下落不明人员；没有的项不写（不写“0人”）；直接经济损失以万元计。",
        "potential_loss": "第十二条（四）的“可能造成”：如被困、受威胁群众，可能扩大的损失。",
        "measures": "四、已按时间列出事件描述中的先期处置、调派、预案启动、任务和记录，请核对补充。",
        "trend": "五、事态是否得到控制、有无扩大可能。",
        "leaders": "六、到场领导的姓名、职务和到场时间；时间线上记录的领导到场已列出。不填则报告中不列此项。",
        "next_steps": "七、下一步工作和需要上级协调支持的事项。",
        "other": "第十二条（六）其他应当报告的情况；不填或填“无”则报告中不列此项。",
        "copy_to": "版记中的抄送单位，用顿号分隔。生产安全事故已按493号令第十条列出本级人民政府、公安、人社、工会、检察院。",
    }
    FOLLOW_UP_HELP = {
        "account": "续报只写上次报告以来的变化（伤亡、等级、状态），不再复述事件初始经过。",
        "measures": "上次报告以来新采取的措施。",
        "time_place_scene": "仅在有新核实的基本情况时填写；不填则报告中不列此项。",
        "unit_overview": "仅在有新核实的事发单位情况时填写。",
    }

    def __init__(self, *args, report=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = services.section_labels(report) if report is not None else services.SECTIONS
        follow_up = report is not None and report.kind == InformationReport.FOLLOW_UP
        for key, label in labels:
            help_text = (self.FOLLOW_UP_HELP.get(key) if follow_up else None) or self.HELP.get(key, "")
            self.fields[key] = forms.CharField(
                label=label, required=False, max_length=services.MAX_SECTION_CHARS, help_text=help_text,
                widget=forms.Textarea(attrs={"rows": 3 if key in self.SHORT else 6}))
        self.fields["copy_to"] = forms.CharField(label="抄送", required=False, max_length=255,
                                                 help_text=self.HELP["copy_to"])
        self.fields["filled_by"] = forms.CharField(label="联系人（填报人）", required=False, max_length=64)
        self.fields["phone"] = forms.CharField(label="联系电话", required=False, max_length=32)


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200)
