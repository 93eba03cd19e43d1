"""Inspections and enforcement (执法检查): a bureau's yearly plan, its pool of law-enforcement staff, the
双随机一公开 draws (reproducible from a published seed, services/inspections.py says how), the inspections on
a checklist (检查表, data/checklist_*.csv) whose failed items become hazards, the 执法文书, penalties and the
失信/黑名单 list."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from yingji.core.models import Record, Region

from .enterprises import Enterprise, EnterpriseScoped

USER = settings.AUTH_USER_MODEL
KIND_CHOICES = [("key", "重点检查"), ("general", "一般检查")]


class InspectionPlan(Record):
    """年度执法检查计划 of a bureau (its region): how many 重点检查 and 一般检查 per 监管类别."""

    DRAFT, PUBLISHED = "draft", "published"
    STATUS_CHOICES = [(DRAFT, "草拟"), (PUBLISHED, "已发布")]

    region = models.ForeignKey(Region, verbose_name="执法部门（区划）", on_delete=models.PROTECT,
                               related_name="inspection_plans")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("计划名称", max_length=128)
    # {监管类别: {"key": 重点检查家次, "general": 一般检查家次}}; categories without inspections are left out.
    quotas = models.JSONField("检查数量", default=dict, blank=True)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=DRAFT)
    published_on = models.DateField("发布日期", null=True, blank=True)
    notes = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "年度执法检查计划"
        ordering = ["-year", "region__code"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="inspectionplan_unique_year")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("safety:plan_detail", args=[self.pk])

    def quota(self, category: str, kind: str) -> int:
        return int((self.quotas.get(category) or {}).get(kind) or 0)

    @property
    def total(self) -> int:
        return sum(int(v.get("key") or 0) + int(v.get("general") or 0) for v in self.quotas.values())


class Inspector(Record):
    """A member of the bureau's law-enforcement staff (执法人员库), with the enterprises he or she must stay
    away from (回避: kin, former employer, …)."""

    region = models.ForeignKey(Region, verbose_name="执法部门（区划）", on_delete=models.PROTECT,
                               related_name="inspectors")
    user = models.ForeignKey(USER, verbose_name="系统账号", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="inspector_cards")
    name = models.CharField("姓名", max_length=32)
    badge_number = models.CharField("执法证号", max_length=32, unique=True)
    title = models.CharField("职务", max_length=32, blank=True)
    active = models.BooleanField("在岗（参加抽取）", default=True)
    conflicts = models.ManyToManyField(Enterprise, verbose_name="回避企业", blank=True, related_name="+",
                                       help_text="有利害关系、须回避的企业：不会被抽到检查这些企业")
    conflict_note = models.CharField("回避事由", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "执法人员"
        ordering = ["region__code", "badge_number"]

    def __str__(self):
        return f"{self.name}（执法证号 {self.badge_number}）"

    def get_absolute_url(self):
        return reverse("safety:inspector_edit", args=[self.pk])


class Draw(Record):
    """One 双随机 draw: enterprises from the pool (监管类别 and region) × inspectors from the bureau's pool,
    from a published seed. The pools and the exclusions are kept as they were, so anyone can redo it."""

    plan = models.ForeignKey(InspectionPlan, verbose_name="检查计划", on_delete=models.PROTECT, related_name="draws")
    title = models.CharField("名称", max_length=128)
    kind = models.CharField("检查类型", max_length=8, choices=KIND_CHOICES, default="general")
    categories = models.JSONField("抽取范围：监管类别", default=list)
    pool_region = models.ForeignKey(Region, verbose_name="抽取范围：区划", on_delete=models.PROTECT, related_name="+")
    enterprise_count = models.PositiveSmallIntegerField("抽取企业数")
    inspectors_per_enterprise = models.PositiveSmallIntegerField("每家执法人员数", default=2)
    seed = models.CharField("随机种子", max_length=20)
    drawn_at = models.DateTimeField("抽取时间")
    drawn_by = models.ForeignKey(USER, verbose_name="抽取人", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    enterprise_pool = models.JSONField("企业名录（抽取时）", default=list, editable=False)  # [[id, 信用代码, 名称]]
    inspector_pool = models.JSONField("执法人员名录（抽取时）", default=list, editable=False)  # [[id, 证号, 姓名]]
    exclusions = models.JSONField("回避（抽取时）", default=list, editable=False)  # [[企业id, 人员id, 原因]]

    region_field = "plan__region"

    class Meta:
        verbose_name = verbose_name_plural = "双随机抽取"
        ordering = ["-drawn_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("safety:draw_detail", args=[self.pk])

    @property
    def categories_label(self) -> str:
        labels = dict(Enterprise.CATEGORY_CHOICES)
        return "、".join(labels.get(c, c) for c in self.categories) or "全部类别"


class DrawAssignment(EnterpriseScoped):
    """A row of a draw's result: an enterprise and the inspectors drawn for it."""

    draw = models.ForeignKey(Draw, verbose_name="抽取", on_delete=models.CASCADE, related_name="assignments")
    position = models.PositiveSmallIntegerField("序号")
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="+")
    inspectors = models.ManyToManyField(Inspector, verbose_name="执法人员", related_name="assignments")

    region_field = "enterprise__region"

    class Meta:
        verbose_name = verbose_name_plural = "抽取结果"
        ordering = ["draw", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "enterprise"], name="drawassignment_unique")]

    def __str__(self):
        return f"{self.draw.title} 第{self.position}家：{self.enterprise.name}"

    def get_absolute_url(self):
        return self.draw.get_absolute_url()


class Inspection(Record, EnterpriseScoped):
    """A check of an enterprise on a checklist: each item's result; a failed item may become a hazard."""

    KIND_CHOICES = [("random", "双随机抽查"), ("special", "专项检查"), ("tip", "举报核查"), ("review", "复查")]
    RECORDING, DONE = "recording", "done"
    STATUS_CHOICES = [(RECORDING, "检查中"), (DONE, "已完成")]
    RESULT_CHOICES = [("pass", "符合"), ("fail", "不符合"), ("na", "不适用")]

    enterprise = models.ForeignKey(Enterprise, verbose_name="被检查企业", on_delete=models.CASCADE,
                                   related_name="inspections")
    assignment = models.ForeignKey(DrawAssignment, verbose_name="双随机抽取结果", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="inspections")
    kind = models.CharField("检查方式", max_length=8, choices=KIND_CHOICES, default="random")
    inspectors = models.ManyToManyField(Inspector, verbose_name="执法人员", related_name="inspections")
    inspected_on = models.DateField("检查日期")
    checklist = models.CharField("检查表", max_length=32)
    # [{"code", "item", "basis", "result": pass|fail|na|"", "note", "hazard": id|None}], in the checklist's order.
    results = models.JSONField("检查结果", default=list, blank=True)
    conclusion = models.TextField("检查结论", blank=True)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=RECORDING)

    region_field = "enterprise__region"

    class Meta:
        verbose_name = verbose_name_plural = "执法检查"
        ordering = ["-inspected_on", "-id"]

    def __str__(self):
        return f"执法检查：{self.enterprise.name} {self.inspected_on:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("safety:inspection_detail", args=[self.pk])

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.get("result") == "fail")


class EnforcementDocument(Record, EnterpriseScoped):
    """执法文书 issued to an enterprise: number (e.g. （乐）应急责改〔2026〕12号), date, deadline, findings."""

    KIND_CHOICES = [("rectify", "责令限期整改指令书"), ("on_site", "现场处理措施决定书"), ("review", "整改复查意见书")]
    ABBREVIATIONS = {"rectify": "责改", "on_site": "现决", "review": "复查"}

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE,
                                   related_name="enforcement_documents")
    inspection = models.ForeignKey(Inspection, verbose_name="执法检查", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="documents")
    kind = models.CharField("文书种类", max_length=12, choices=KIND_CHOICES, default="rectify")
    number = models.CharField("文书编号", max_length=64, unique=True, help_text="留空自动编号")
    authority = models.CharField("执法部门", max_length=64)
    issued_on = models.DateField("制作日期")
    deadline = models.DateField("整改期限", null=True, blank=True)
    findings = models.TextField("存在的问题", help_text="每行一条")
    legal_basis = models.TextField("依据", help_text="法律、法规、规章条款")
    inspectors = models.ManyToManyField(Inspector, verbose_name="执法人员", related_name="documents", blank=True)

    region_field = "enterprise__region"

    class Meta:
        verbose_name = verbose_name_plural = "执法文书"
        ordering = ["-issued_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self):
        return reverse("safety:document_detail", args=[self.pk])

    @property
    def finding_lines(self) -> list[str]:
        return [line.strip() for line in self.findings.splitlines() if line.strip()]


class Penalty(Record, EnterpriseScoped):
    """行政处罚: the amount in 万元 and the article it rests on."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="penalties")
    inspection = models.ForeignKey(Inspection, verbose_name="执法检查", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="penalties")
    number = models.CharField("处罚决定书文号", max_length=64, unique=True)
    violation = models.TextField("违法事实")
    legal_basis = models.TextField("处罚依据（条款）")
    amount_wan = models.DecimalField("罚款（万元）", max_digits=10, decimal_places=4)
    decided_on = models.DateField("决定日期")

    region_field = "enterprise__region"

    class Meta:
        verbose_name = verbose_name_plural = "行政处罚"
        ordering = ["-decided_on", "-id"]

    def __str__(self):
        return f"行政处罚 {self.number}"

    def get_absolute_url(self):
        return reverse("safety:penalty_edit", args=[self.pk])


class CreditListing(Record, EnterpriseScoped):
    """An enterprise on the 安全生产失信 list (严重失信主体名单 = 黑名单, or 重点关注名单), entry and exit."""

    LIST_CHOICES = [("blacklist", "严重失信主体名单（黑名单）"), ("watch", "失信联合惩戒重点关注名单")]

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE,
                                   related_name="credit_listings")
    list_kind = models.CharField("名单", max_length=12, choices=LIST_CHOICES, default="blacklist")
    reason = models.TextField("列入事由")
    basis = models.CharField("列入依据", max_length=255, blank=True)
    listed_on = models.DateField("列入日期")
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reason = models.CharField("移出原因", max_length=255, blank=True)

    region_field = "enterprise__region"

    class Meta:
        verbose_name = verbose_name_plural = "失信名单"
        ordering = ["-listed_on", "-id"]

    def __str__(self):
        return f"{self.get_list_kind_display()}：{self.enterprise.name}"

    def get_absolute_url(self):
        return reverse("safety:credit_edit", args=[self.pk])

    @property
    def listed(self) -> bool:
        return self.removed_on is None
