"""Warnings (预警发布): the messages we issue or import (one row per CAP message: an Update or a Cancel is a new
row referencing the earlier one), their areas, who and what they reach (recipients, loudspeaker terminals,
coverage per township), the deliveries over each channel and the warning's append-only history.

A published message is frozen: `cap_xml` is written once at publication and never changed; a correction is an
Update (a new message), an end is a Cancel or the expiry. The identifier is unique in the database, so two
publications in the same second cannot take the same N (services/lifecycle.py retries with the next one)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from yingji.core.models import Record, Region, RegionScoped
from yingji.core.validators import validate_phone
from yingji.standards import levels as level_table

USER = settings.AUTH_USER_MODEL
# 预警级别: 1 红色（一级）… 4 蓝色（四级）, as the CAP profile and the national warning signals number them.
LEVEL_CHOICES = [(lv.level, f"{lv.colour}（{lv.warning_level}）") for lv in level_table.levels().values()]
LEVEL_COLOURS = {lv.level: lv.colour_en for lv in level_table.levels().values()}


def _url(name: str, *args) -> str:
    """The UI route if the UI helper has registered it (the model works without the pages)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


class WarningTemplate(Record):
    """A ready text per event type (and level, or for every level): what a duty officer starts a draft from.
    `headline_pattern` may hold {region} {event} {level} {colour}, filled in when a draft is started."""

    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT,
                               related_name="warning_templates")
    name = models.CharField("模板名称", max_length=64)
    event_code = models.CharField("事件类型代码（GB/T 35561）", max_length=5)
    level = models.PositiveSmallIntegerField("预警级别", choices=LEVEL_CHOICES, null=True, blank=True,
                                             help_text="空：适用于该事件的各级预警")
    headline_pattern = models.CharField("标题格式", max_length=200,
                                        help_text="可用 {region}、{event}、{colour}、{level} 占位")
    description = models.TextField("预警内容", blank=True)
    instruction = models.TextField("防御指南", blank=True)
    is_active = models.BooleanField("启用", default=True)

    applies_downwards = True  # townships draft from the county's templates

    class Meta:
        verbose_name = verbose_name_plural = "预警模板"
        ordering = ["event_code", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="warningtemplate_unique_name")]

    def __str__(self):
        return f"预警模板“{self.name}”"


class Warning(Record):
    """One CAP message, ours (source local: drafted → submitted → reviewed → published) or imported (read-only,
    published as received). `references` is the message this one updates or cancels; `chain` is shared by
    every message of one warning (the first Alert and its Updates and Cancel)."""

    DRAFT, SUBMITTED, REVIEWED, PUBLISHED = "draft", "submitted", "reviewed", "published"
    EXPIRED, CANCELLED, SUPERSEDED = "expired", "cancelled", "superseded"
    STATE_CHOICES = [(DRAFT, "草稿"), (SUBMITTED, "待审核"), (REVIEWED, "已审核待签发"), (PUBLISHED, "已发布"),
                     (EXPIRED, "已过期"), (CANCELLED, "已解除"), (SUPERSEDED, "已被更新")]
    EDITABLE_STATES = (DRAFT,)
    ENDED_STATES = (EXPIRED, CANCELLED, SUPERSEDED)
    ALERT, UPDATE, CANCEL = "Alert", "Update", "Cancel"
    MSG_TYPE_CHOICES = [(ALERT, "首发（Alert）"), (UPDATE, "更新（Update）"), (CANCEL, "解除（Cancel）")]
    STATUS_CHOICES = [("Actual", "正式"), ("Exercise", "演练"), ("System", "系统"), ("Test", "测试"),
                      ("Draft", "草稿")]
    SCOPE_CHOICES = [("Public", "公开"), ("Restricted", "限定范围"), ("Private", "指定接收方")]
    LOCAL, IMPORTED = "local", "imported"
    SOURCE_CHOICES = [(LOCAL, "本级发布"), (IMPORTED, "外部导入")]

    region = models.ForeignKey(Region, verbose_name="发布区划", on_delete=models.PROTECT,
                               related_name="warnings_issued")
    identifier = models.CharField("消息标识（identifier）", max_length=128, unique=True, null=True, blank=True,
                                  editable=False, help_text="发布时按 GB/T 35965.1 生成")
    sender_code = models.CharField("发布单位编码", max_length=32, blank=True, editable=False)
    sender = models.CharField("发布者（sender）", max_length=255, blank=True, editable=False)
    sender_name = models.CharField("发布单位名称", max_length=128, blank=True)
    msg_type = models.CharField("消息类型", max_length=8, choices=MSG_TYPE_CHOICES, default=ALERT, editable=False)
    status = models.CharField("消息状态", max_length=10, choices=STATUS_CHOICES, default="Actual")
    scope = models.CharField("发布范围", max_length=10, choices=SCOPE_CHOICES, default="Public")
    references = models.ForeignKey("self", verbose_name="引用的消息", null=True, blank=True, editable=False,
                                   on_delete=models.PROTECT, related_name="followers")
    references_text = models.CharField("引用（references）", max_length=1000, blank=True, editable=False)
    chain = models.UUIDField("预警链", default=uuid.uuid4, editable=False, db_index=True)
    event_code = models.CharField("事件类型代码（GB/T 35561）", max_length=16)
    event = models.CharField("事件类型", max_length=64, blank=True)
    level = models.PositiveSmallIntegerField("预警级别", choices=LEVEL_CHOICES, null=True, blank=True,
                                             validators=[MinValueValidator(1), MaxValueValidator(4)])
    category = models.CharField("类别（category）", max_length=16, blank=True)
    urgency = models.CharField("紧急程度（urgency）", max_length=16, blank=True)
    severity = models.CharField("严重程度（severity）", max_length=16, blank=True)
    certainty = models.CharField("确定程度（certainty）", max_length=16, blank=True)
    headline = models.CharField("标题", max_length=200)
    description = models.TextField("预警内容")
    instruction = models.TextField("防御指南", blank=True)
    onset = models.DateTimeField("生效时间")
    expires = models.DateTimeField("失效时间", null=True, blank=True)
    sent = models.DateTimeField("发送时间（sent）", null=True, blank=True, editable=False)
    state = models.CharField("状态", max_length=12, choices=STATE_CHOICES, default=DRAFT, editable=False,
                             db_index=True)
    source = models.CharField("来源", max_length=8, choices=SOURCE_CHOICES, default=LOCAL, editable=False)
    template = models.ForeignKey(WarningTemplate, verbose_name="所用模板", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="warnings")
    channels = models.JSONField("发布渠道", default=list, blank=True,
                                help_text="sms、email、loudspeaker、webhook 中的若干项")
    drafted_by = models.ForeignKey(USER, verbose_name="拟稿人", null=True, blank=True, editable=False,
                                   on_delete=models.SET_NULL, related_name="+")
    drafted_at = models.DateTimeField("拟稿时间", null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(USER, verbose_name="审核人", null=True, blank=True, editable=False,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True, editable=False)
    rejection_reason = models.CharField("退回原因", max_length=500, blank=True, editable=False)
    signed_by = models.ForeignKey(USER, verbose_name="签发人", null=True, blank=True, editable=False,
                                  on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField("签发时间", null=True, blank=True, editable=False)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True, editable=False,
                                    help_text="过期、解除或被更新的时间")
    cap_xml = models.TextField("CAP 报文", blank=True, editable=False)  # frozen at publication
    # Targeting summary (services/targeting.py): the people reached, the population of the regions reached, and
    # the places counted per kind ({"shelter": 3, "enterprise": 12, …}).
    people_reached = models.PositiveIntegerField("覆盖人数（登记接收人）", default=0, editable=False)
    people_total = models.PositiveIntegerField("区域登记接收人总数", default=0, editable=False)
    places_reached = models.JSONField("覆盖场所（按类别计数）", default=dict, blank=True, editable=False)
    targeted_at = models.DateTimeField("覆盖计算时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "预警信息"
        ordering = ["-sent", "-created_at", "-id"]
        indexes = [models.Index(fields=["state", "expires"], name="warning_state_expires"),
                   models.Index(fields=["region", "state"], name="warning_region_state")]
        constraints = [
            models.CheckConstraint(condition=Q(expires__isnull=True) | Q(expires__gt=models.F("onset")),
                                   name="warning_expires_after_onset"),
        ]

    # Township and village users read the county's messages that reach them, once published (not its drafts).
    applies_downwards = True

    def __str__(self):
        return self.headline or f"预警信息 {self.pk}"

    @classmethod
    def narrow_scope(cls, queryset, user):
        """Of the messages issued above the user's region, keep the published (or ended) ones whose area or
        coverage reaches it; the user's own region and below keep every message, drafts included."""
        from yingji.core.scoping import ancestor_paths

        home = getattr(user, "region", None)
        if home is None:
            return queryset
        around = [*ancestor_paths(home.path), home.path]  # a region above reaches this one too
        in_area = WarningArea.regions.through.objects.filter(warningarea__warning=OuterRef("pk")).filter(
            Q(region__path__startswith=home.path) | Q(region__path__in=around))
        covered = WarningCoverage.objects.filter(warning=OuterRef("pk"), reached__gt=0).filter(
            Q(township__path__startswith=home.path) | Q(township__path__in=around))
        reaches = Exists(in_area) | Exists(covered)
        shown = Q(state__in=(cls.PUBLISHED, *cls.ENDED_STATES)) & reaches
        return queryset.filter(Q(region__path__startswith=home.path) | shown)

    def get_absolute_url(self):
        return _url("warnings:warning_detail", self.pk)

    @property
    def colour(self) -> str:
        return LEVEL_COLOURS.get(self.level, "")

    @property
    def is_current(self) -> bool:
        """Published and not past its expiry: what the public pages and the one-map show."""
        return self.state == self.PUBLISHED and (self.expires is None or self.expires > timezone.now())

    @property
    def is_imported(self) -> bool:
        return self.source == self.IMPORTED


class WarningArea(RegionScoped):
    """One CAP <area>: a description, and a drawn polygon (GeoJSON Polygon, closed, not crossing itself) and/or a
    circle (centre and radius in km), and/or regions whose GB/T 2260 codes go out as <geocode>."""

    warning = models.ForeignKey(Warning, verbose_name="预警信息", on_delete=models.CASCADE, related_name="areas")
    area_desc = models.CharField("区域描述", max_length=255)
    polygon = models.JSONField("多边形（GeoJSON）", null=True, blank=True)
    circle_longitude = models.FloatField("圆心经度", null=True, blank=True)
    circle_latitude = models.FloatField("圆心纬度", null=True, blank=True)
    circle_radius_km = models.FloatField("半径（km）", null=True, blank=True, validators=[MinValueValidator(0)])
    regions = models.ManyToManyField(Region, verbose_name="行政区划", blank=True, related_name="warning_areas")
    geocodes = models.JSONField("地理编码（外部消息）", default=list, blank=True,
                                help_text="导入的消息中不在本系统区划表里的编码，原样保存")

    region_field = "warning__region"

    class Meta:
        verbose_name = verbose_name_plural = "预警区域"
        ordering = ["warning", "id"]

    def __str__(self):
        return f"预警区域“{self.area_desc}”"

    @property
    def has_circle(self) -> bool:
        return None not in (self.circle_longitude, self.circle_latitude, self.circle_radius_km)


class Recipient(Record):
    """A person warnings reach: a resident, 网格员, 灾害信息员, enterprise contact or village cadre, placed by a
    position (when known) or else by their home village or township."""

    KIND_CHOICES = [("resident", "居民"), ("grid", "网格员"), ("informant", "灾害信息员"),
                    ("enterprise", "企业联系人"), ("cadre", "村（社区）干部"), ("school", "学校联系人"),
                    ("other", "其他")]

    region = models.ForeignKey(Region, verbose_name="所在村（社区）或乡镇", on_delete=models.PROTECT,
                               related_name="warning_recipients")
    name = models.CharField("姓名", max_length=64)
    kind = models.CharField("类别", max_length=12, choices=KIND_CHOICES, default="resident", db_index=True)
    phone = models.CharField("手机号", max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField("电子邮箱", blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    remark = models.CharField("备注", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "预警接收人"
        ordering = ["region__path", "name", "id"]
        indexes = [models.Index(fields=["region", "is_active"], name="recipient_region_active"),
                   models.Index(fields=["phone"], name="recipient_phone")]

    def __str__(self):
        return f"接收人{self.name}（{self.get_kind_display()}）"

    def get_absolute_url(self):
        return _url("warnings:recipient_detail", self.pk)


class LoudspeakerTerminal(Record):
    """A village loudspeaker (应急广播/大喇叭) terminal: woken and made to play over MQTT on its own topic, it
    answers with an acknowledgement."""

    code = models.CharField("终端编号", max_length=64, unique=True)
    name = models.CharField("名称", max_length=128)
    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT,
                               related_name="loudspeakers")
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    last_ack_at = models.DateTimeField("最近应答", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "应急广播终端"
        ordering = ["code"]

    def __str__(self):
        return f"广播终端 {self.code} {self.name}"

    def get_absolute_url(self):
        return _url("warnings:terminal_detail", self.pk)


class WebhookSubscriber(Record):
    """Another system that receives our published messages as signed JSON (a city platform, a media desk, a
    duty app): its URL, the shared secret it checks X-Yingji-Signature with (shown once when made or renewed,
    masked afterwards), and which messages it wants — event types (GB/T 35561 codes: a 细类, its 类 or 大类),
    levels, regions (empty: all of them; regions: the subscriber's own by default)."""

    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT,
                               related_name="webhook_subscribers")
    name = models.CharField("名称", max_length=64)
    url = models.CharField("接收地址（URL）", max_length=500, help_text="http:// 或 https:// 开头；签名针对此地址，重定向不跟随")
    secret = models.CharField("签名密钥", max_length=128, editable=False)  # never audited (core.audit SKIPPED_FIELDS)
    secret_hint = models.CharField("密钥末四位", max_length=8, editable=False, blank=True)
    secret_set_at = models.DateTimeField("密钥生成时间", null=True, blank=True, editable=False)
    event_codes = models.JSONField("事件类型", default=list, blank=True,
                                   help_text="GB/T 35561 代码，如 11B03（暴雨）、11B00（全部气象灾害）；空：全部")
    levels = models.JSONField("预警级别", default=list, blank=True, help_text="1 红 … 4 蓝；空：全部")
    regions = models.ManyToManyField(Region, verbose_name="关注区划", blank=True, related_name="+",
                                     help_text="预警由其发布或覆盖其中任一区划时推送；空：本区划全部")
    is_active = models.BooleanField("启用", default=True)
    remark = models.CharField("备注", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "Webhook 订阅"
        ordering = ["region__path", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="webhooksubscriber_unique_name")]

    def __str__(self):
        return f"Webhook 订阅“{self.name}”"

    def get_absolute_url(self):
        return _url("warnings:subscriber_detail", self.pk)

    @property
    def masked_secret(self) -> str:
        return f"••••••••{self.secret_hint}" if self.secret_hint else "—"

    @property
    def shown_url(self) -> str:
        """The URL without its query (subscribers often put an access token there)."""
        from .channels.webhook import shown

        return shown(self.url)

    @property
    def wanted(self) -> str:
        """What it subscribed to, as a line: event types with their names, levels; "全部预警" for everything."""
        from yingji.standards import event_codes

        parts = []
        if self.event_codes:
            names = []
            for code in self.event_codes:
                try:
                    names.append(f"{event_codes.get(code).name}（{code}）")
                except ValueError:
                    names.append(code)
            parts.append("、".join(names))
        if self.levels:
            labels = dict(LEVEL_CHOICES)
            parts.append("、".join(labels.get(level, str(level)) for level in self.levels))
        return "；".join(parts) or "全部预警"


class Delivery(RegionScoped):
    """One message to one address over one channel: queued → sending → sent → delivered (a receipt), or failed
    after its retries. A Cancel has deliveries of its own (the Cancel message is its own Warning row)."""

    SMS, EMAIL, LOUDSPEAKER, WEBHOOK = "sms", "email", "loudspeaker", "webhook"
    CHANNEL_CHOICES = [(SMS, "短信"), (EMAIL, "电子邮件"), (LOUDSPEAKER, "应急广播"), (WEBHOOK, "Webhook")]
    CHANNELS = [c for c, _ in CHANNEL_CHOICES]
    QUEUED, SENDING, SENT, DELIVERED, FAILED = "queued", "sending", "sent", "delivered", "failed"
    STATE_CHOICES = [(QUEUED, "排队中"), (SENDING, "发送中"), (SENT, "已发送"), (DELIVERED, "已送达"),
                     (FAILED, "失败")]

    id = models.BigAutoField(primary_key=True)
    warning = models.ForeignKey(Warning, verbose_name="预警信息", on_delete=models.CASCADE,
                                related_name="deliveries")
    channel = models.CharField("渠道", max_length=12, choices=CHANNEL_CHOICES)
    recipient = models.ForeignKey(Recipient, verbose_name="接收人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="deliveries")
    terminal = models.ForeignKey(LoudspeakerTerminal, verbose_name="广播终端", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="deliveries")
    subscriber = models.ForeignKey(WebhookSubscriber, verbose_name="Webhook 订阅", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="deliveries")
    address = models.CharField("地址", max_length=255, help_text="手机号、邮箱、终端主题或 Webhook 地址")
    state = models.CharField("状态", max_length=10, choices=STATE_CHOICES, default=QUEUED)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    receipt = models.CharField("回执", max_length=255, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)
    queued_at = models.DateTimeField("入队时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    # The channel's later delivery report (SMS 状态报告): the gateway's status code (DELIVRD, UNDELIV …) and when
    # the outcome happened (the gateway's time when it gives one, else when the report came).
    report_status = models.CharField("状态报告代码", max_length=32, blank=True)
    reported_at = models.DateTimeField("状态报告时间", null=True, blank=True)
    # A retryable failure the channel could not wait for (the gateway down, a long Retry-After) is queued again
    # for this time rather than holding a worker.
    retry_at = models.DateTimeField("重试时间", null=True, blank=True)

    region_field = "warning__region"

    class Meta:
        verbose_name = verbose_name_plural = "预警送达记录"
        ordering = ["warning", "channel", "id"]
        indexes = [models.Index(fields=["warning", "channel", "state"], name="delivery_warning_channel_state")]

    def __str__(self):
        return f"预警 {self.warning_id} {self.get_channel_display()}送达 {self.address}（{self.get_state_display()}）"


class SmsReportCount(models.Model):
    """Counters of the SMS gateway's delivery-report callbacks, for /metrics and the warnings pages: callbacks
    accepted and refused (no secret set, bad signature, stale, not JSON), and their reports applied, repeated
    (already final: idempotent) and unknown (a message id we never sent). Not region data: the gateway calls in
    for every region; updated in the callback's own transaction."""

    KIND_CHOICES = [("accepted", "接受的回调"), ("refused", "拒收的回调"), ("applied", "生效的报告"),
                    ("repeated", "重复的报告"), ("unknown", "未知编号的报告")]
    kind = models.CharField("类别", max_length=12, choices=KIND_CHOICES, unique=True)
    count = models.PositiveBigIntegerField("次数", default=0)
    last_at = models.DateTimeField("最近一次", null=True, blank=True)
    last_note = models.CharField("最近说明", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信状态报告计数"

    def __str__(self):
        return f"{self.get_kind_display()} {self.count}"


class WarningCoverage(RegionScoped):
    """How many registered recipients of a township the warning reaches, of how many: the 覆盖率 by township."""

    warning = models.ForeignKey(Warning, verbose_name="预警信息", on_delete=models.CASCADE,
                                related_name="coverage")
    township = models.ForeignKey(Region, verbose_name="乡镇（街道）", on_delete=models.CASCADE,
                                 related_name="warning_coverage")
    reached = models.PositiveIntegerField("覆盖人数", default=0)
    total = models.PositiveIntegerField("登记人数", default=0)

    region_field = "warning__region"

    class Meta:
        verbose_name = verbose_name_plural = "预警覆盖统计"
        ordering = ["warning", "township__code"]
        constraints = [models.UniqueConstraint(fields=["warning", "township"], name="coverage_one_per_township")]

    def __str__(self):
        return f"预警 {self.warning_id} 在{self.township.name}覆盖 {self.reached}/{self.total} 人"

    @property
    def ratio(self) -> float | None:
        return self.reached / self.total if self.total else None


class WarningEvent(RegionScoped):
    """The warning's history, append-only: each step with who took it, when, and a note (a rejection's reason,
    a delivery summary)."""

    ACTION_CHOICES = [("drafted", "拟稿"), ("edited", "修改"), ("submitted", "提交审核"), ("reviewed", "审核通过"),
                      ("rejected", "退回"), ("published", "签发发布"), ("updated", "发布更新"),
                      ("cancelled", "解除"), ("expired", "过期"), ("superseded", "被更新"),
                      ("imported", "导入"), ("delivered", "送达汇总"), ("targeted", "覆盖计算")]

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", default=timezone.now)
    action = models.CharField("动作", max_length=12, choices=ACTION_CHOICES)
    actor = models.ForeignKey(USER, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")  # empty: the system (expiry, the delivery task)
    note = models.CharField("说明", max_length=500, blank=True)

    region_field = "warning__region"

    class Meta:
        verbose_name = verbose_name_plural = "预警处理记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"预警 {self.warning_id} {self.get_action_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M:%S}"
