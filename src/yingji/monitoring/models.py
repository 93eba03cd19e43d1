"""Monitoring (监测预警): gateways and sensors, their readings (deduplicated by message id, rolled up per
minute and hour), the rules that judge them, and alarms with an append-only history.

One active alarm per (sensor, rule) is a database constraint, not a convention: ingest, the stale check and
a person clicking can race, and the constraint is what keeps them from opening a second alarm."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yingji.core.models import Record, Region, RegionScoped
from yingji.resources.models import Hydrant
from yingji.safety.models import Enterprise, EnterpriseScoped, HazardUnit

from . import kinds

USER = settings.AUTH_USER_MODEL
LEVEL_CHOICES = [(1, "一级"), (2, "二级")]  # GB/T 50493: 一级报警, 二级报警 (the higher the worse)


class Gateway(Record, EnterpriseScoped):
    """A data gateway (采集网关) that posts readings over HTTP with its own token, or owns sensors that
    publish over MQTT. Only the token's SHA-256 is stored; the token is shown once when issued."""

    code = models.CharField("网关编号", max_length=64, unique=True)
    name = models.CharField("名称", max_length=128)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT,
                               related_name="gateways")
    enterprise = models.ForeignKey(Enterprise, verbose_name="所属企业", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="gateways")
    token_hash = models.CharField("令牌摘要", max_length=64, blank=True, editable=False, db_index=True)
    token_issued_at = models.DateTimeField("令牌签发时间", null=True, blank=True, editable=False)
    is_active = models.BooleanField("启用", default=True)
    last_seen_at = models.DateTimeField("最近上报", null=True, blank=True, editable=False)
    accepted_count = models.BigIntegerField("接收读数", default=0, editable=False)
    rejected_count = models.BigIntegerField("拒收读数", default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "采集网关"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("monitoring:gateway_detail", args=[self.pk])


class Sensor(Record, EnterpriseScoped):
    """A monitoring point (监测点). `code` is what devices publish under (the MQTT topic) and never changes.
    What it watches: a major hazard source (unit) or enterprise, a hydrant, or a village / river section."""

    NORMAL, ALARM1, ALARM2, OFFLINE, NEVER = "normal", "alarm1", "alarm2", "offline", "never"
    STATUS_CHOICES = [(NORMAL, "正常"), (ALARM1, "一级报警"), (ALARM2, "二级报警"), (OFFLINE, "离线"),
                      (NEVER, "未上报")]

    code = models.CharField("监测点编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=128)
    kind = models.CharField("监测类型", max_length=24, choices=kinds.choices())  # indexed with code (Meta)
    unit = models.CharField("单位", max_length=16, blank=True, editable=False)  # the kind's, kept with the data
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="sensors")
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    address = models.CharField("位置描述", max_length=255, blank=True)
    gateway = models.ForeignKey(Gateway, verbose_name="采集网关", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="sensors")
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="sensors")
    hazard_unit = models.ForeignKey(HazardUnit, verbose_name="重大危险源（单元）", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="sensors")
    hydrant = models.ForeignKey(Hydrant, verbose_name="消火栓", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="sensors")
    watched_region = models.ForeignKey(Region, verbose_name="监测村（社区）", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="watching_sensors")
    river_section = models.CharField("河段/断面", max_length=128, blank=True)
    expected_interval_s = models.PositiveIntegerField("上报周期（s）", validators=[MinValueValidator(1)])
    installed_at = models.DateTimeField("安装时间")  # readings stamped earlier are refused
    is_active = models.BooleanField("启用", default=True)
    # Kept by ingest and the stale check, for the map and the lists (one row read per sensor, no aggregate).
    status = models.CharField("状态", max_length=8, choices=STATUS_CHOICES, default=NEVER, editable=False,
                              db_index=True)
    last_value = models.FloatField("最新值", null=True, blank=True, editable=False)
    last_event = models.CharField("最新事件", max_length=8, blank=True, editable=False)
    last_reading_at = models.DateTimeField("最新读数时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "监测点"
        ordering = ["code"]
        # The list filtered by kind, in code order, is an index walk; the index serves kind alone as well.
        indexes = [models.Index(fields=["kind", "code"], name="sensor_kind_code")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("monitoring:sensor_detail", args=[self.pk])

    @property
    def kind_info(self) -> kinds.Kind:
        return kinds.kinds()[self.kind]


class ReadingKey(models.Model):
    """The (sensor, message id) a reading arrived under: the idempotency key. Kept apart from the readings
    because a partitioned table (PostgreSQL, by month) can only enforce keys that include the partition
    column, and a repeated id must be refused whatever time it carries. Pruned with the raw readings."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="+", db_index=False)
    message_id = models.CharField("消息编号", max_length=64)
    ts = models.DateTimeField("读数时间")

    class Meta:
        verbose_name = verbose_name_plural = "读数消息编号"
        constraints = [models.UniqueConstraint(fields=["sensor", "message_id"], name="readingkey_unique_message")]

    def __str__(self):
        return f"监测点 {self.sensor_id} 消息 {self.message_id}"


class Reading(RegionScoped):
    """One raw reading. On PostgreSQL the table is partitioned by month of `ts` (migration 0002) and old
    months are dropped after YINGJI_READINGS_RAW_DAYS; the rollups stay."""

    id = models.BigAutoField(primary_key=True)
    sensor = models.ForeignKey(Sensor, on_delete=models.DO_NOTHING, db_constraint=False, related_name="readings",
                               db_index=False)  # (sensor, ts) serves it: one index less per insert
    message_id = models.CharField("消息编号", max_length=64)
    ts = models.DateTimeField("读数时间")
    value = models.FloatField("数值", null=True, blank=True)
    event = models.CharField("事件", max_length=8, blank=True)
    received_at = models.DateTimeField("接收时间")

    region_field = "sensor__region"

    class Meta:
        verbose_name = verbose_name_plural = "监测读数"
        indexes = [models.Index(fields=["sensor", "ts"], name="reading_sensor_ts")]

    def __str__(self):
        shown = self.event or self.value
        return f"监测点 {self.sensor_id} {timezone.localtime(self.ts):%Y-%m-%d %H:%M:%S} 读数 {shown}"


class Rollup(RegionScoped):
    """Readings of one sensor over a minute or an hour: what charts read when zoomed out and what is kept
    for years."""

    MINUTE, HOUR = "1m", "1h"
    RESOLUTION_CHOICES = [(MINUTE, "1 分钟"), (HOUR, "1 小时")]

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="rollups",
                               db_index=False)  # the unique (sensor, resolution, bucket) serves it
    resolution = models.CharField("粒度", max_length=2, choices=RESOLUTION_CHOICES)
    bucket = models.DateTimeField("时段起点")
    count = models.PositiveIntegerField("读数个数")
    minimum = models.FloatField("最小值", null=True)
    maximum = models.FloatField("最大值", null=True)
    total = models.FloatField("合计", null=True)  # mean = total / count of numeric readings
    last_value = models.FloatField("末值", null=True)
    last_ts = models.DateTimeField("末值时间")

    region_field = "sensor__region"

    class Meta:
        verbose_name = verbose_name_plural = "读数汇总"
        constraints = [models.UniqueConstraint(fields=["sensor", "resolution", "bucket"],
                                               name="rollup_unique_bucket")]

    def __str__(self):
        return f"监测点 {self.sensor_id} {self.get_resolution_display()}汇总 {timezone.localtime(self.bucket):%Y-%m-%d %H:%M}"


class Rule(RegionScoped):
    """How readings of a kind (in this region and below: the nearest rule up the tree wins) or of one
    sensor (an override, replacing the kind's rule of the same type) become alarms.

    high / low: `level1` and `level2` are the 一级/二级 setpoints (low: the value falls below them); an alarm
    clears only when the value is back past `level1` by `deadband`, so a value hovering at a setpoint raises
    one alarm, and it is raised only after `hold_s` seconds past the setpoint (0: at once).
    rate: |Δvalue| per minute at or above `level1` (一级) / `level2` (二级).
    stale: no reading for `stale_factor` × the sensor's expected interval (the stale check, not ingest).
    event: a fire panel event (`event`, e.g. 火警) raises an alarm of `event_level`; 复位 clears it."""

    HIGH, LOW, RATE, STALE, EVENT = "high", "low", "rate", "stale", "event"
    TYPE_CHOICES = [(HIGH, "高限"), (LOW, "低限"), (RATE, "变化速率"), (STALE, "离线"), (EVENT, "报警事件")]

    name = models.CharField("规则名称", max_length=64)
    region = models.ForeignKey(Region, verbose_name="适用区划", on_delete=models.CASCADE,
                               related_name="monitoring_rules")
    kind = models.CharField("监测类型", max_length=24, choices=kinds.choices())
    sensor = models.ForeignKey(Sensor, verbose_name="监测点（单点覆盖）", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="rules")
    rule_type = models.CharField("规则类型", max_length=8, choices=TYPE_CHOICES)
    level1 = models.FloatField("一级报警值", null=True, blank=True)
    level2 = models.FloatField("二级报警值", null=True, blank=True)
    deadband = models.FloatField("回差", default=0, validators=[MinValueValidator(0)])
    hold_s = models.PositiveIntegerField("持续时间（s）", default=0)
    stale_factor = models.FloatField("离线倍数", default=3, validators=[MinValueValidator(1)])
    event = models.CharField("事件", max_length=8, blank=True, choices=[(e, e) for e in kinds.FIRE_EVENTS])
    event_level = models.PositiveSmallIntegerField("事件报警级别", choices=LEVEL_CHOICES, default=1)
    enabled = models.BooleanField("启用", default=True)

    applies_downwards = True

    class Meta:
        verbose_name = verbose_name_plural = "报警规则"
        ordering = ["kind", "rule_type", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "rule_type", "event"], condition=Q(sensor=None),
                                    name="rule_one_per_kind_in_region"),
            models.UniqueConstraint(fields=["sensor", "rule_type", "event"], condition=~Q(sensor=None),
                                    name="rule_one_override_per_sensor"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("monitoring:rule_edit", args=[self.pk])


class RuleState(models.Model):
    """What the evaluation of one rule on one sensor must remember between batches: since when the value
    has been past the setpoint (for `hold_s`) and how far it went, and the previous value and time (for the rate)."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="+",
                               db_index=False)  # the unique (sensor, rule) serves it
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    pending_since = models.DateTimeField(null=True, blank=True)
    pending_level = models.PositiveSmallIntegerField(default=0)
    previous_value = models.FloatField(null=True, blank=True)
    previous_ts = models.DateTimeField(null=True, blank=True)
    # The highest value of the pending run so far (a low rule's lowest): the peak of the alarm its hold will raise.
    pending_peak = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sensor", "rule"], name="rulestate_unique")]

    def __str__(self):
        return f"监测点 {self.sensor_id} 规则 {self.rule_id} 判定状态"


class Alarm(EnterpriseScoped):
    """One alarm: raised → acknowledged → cleared, or cleared before anyone acknowledged it. Its level only
    rises in place (一级 → 二级); it never opens a second alarm for the same sensor and rule."""

    ACTIVE_UNACK, ACTIVE_ACK, CLEARED_UNACK, CLEARED_ACK = "active_unack", "active_ack", "cleared_unack", "cleared_ack"
    STATE_CHOICES = [(ACTIVE_UNACK, "未确认"), (ACTIVE_ACK, "已确认"), (CLEARED_UNACK, "已恢复未确认"),
                     (CLEARED_ACK, "已恢复")]
    ACTIVE_STATES = (ACTIVE_UNACK, ACTIVE_ACK)

    sensor = models.ForeignKey(Sensor, verbose_name="监测点", on_delete=models.PROTECT, related_name="alarms")
    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.PROTECT, related_name="alarms")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT,
                               related_name="alarms")  # the sensor's, copied for scoping and the map
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="alarms")
    alarm_type = models.CharField("报警类型", max_length=32)  # 高限报警, 火警, 离线 …
    level = models.PositiveSmallIntegerField("报警级别", choices=LEVEL_CHOICES)
    state = models.CharField("状态", max_length=16, choices=STATE_CHOICES, default=ACTIVE_UNACK, db_index=True)
    active = models.BooleanField("未恢复", default=True, editable=False)  # the constraint's condition
    raised_at = models.DateTimeField("报警时间", db_index=True)  # the reading's time, not the server's
    first_value = models.FloatField("触发值", null=True, blank=True)
    peak_value = models.FloatField("极值", null=True, blank=True)
    last_value = models.FloatField("最新值", null=True, blank=True)
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(USER, verbose_name="确认人", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    cleared_at = models.DateTimeField("恢复时间", null=True, blank=True)
    cleared_by = models.ForeignKey(USER, verbose_name="手动解除人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")  # empty: cleared by the readings
    assignee = models.ForeignKey(USER, verbose_name="处置人", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_alarms")
    incident = models.ForeignKey("incidents.Incident", verbose_name="关联事件", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="alarms")

    class Meta:
        verbose_name = verbose_name_plural = "报警"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sensor", "rule"], condition=Q(active=True),
                                    name="alarm_one_active_per_sensor_rule"),
        ]
        indexes = [models.Index(fields=["active", "-raised_at"], name="alarm_active_newest")]

    def __str__(self):
        return f"{self.sensor.code} {self.alarm_type}（{self.get_level_display()}）"

    def get_absolute_url(self):
        return reverse("monitoring:alarm_detail", args=[self.pk])


class AlarmEvent(EnterpriseScoped):
    """The alarm's history, append-only: raised, escalated, acknowledged, assigned, noted, cleared,
    incident opened."""

    ACTION_CHOICES = [("raised", "报警"), ("escalated", "升级"), ("acknowledged", "确认"), ("assigned", "指派"),
                      ("noted", "备注"), ("cleared", "恢复"), ("cleared_manually", "手动解除"),
                      ("incident", "生成事件")]

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    action = models.CharField("动作", max_length=16, choices=ACTION_CHOICES)
    actor = models.ForeignKey(USER, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")  # empty: the system (ingest, the stale check)
    level = models.PositiveSmallIntegerField("级别", null=True, blank=True)
    value = models.FloatField("数值", null=True, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)

    region_field = "alarm__region"
    enterprise_field = "alarm__enterprise"

    class Meta:
        verbose_name = verbose_name_plural = "报警处置记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"报警 {self.alarm_id} {self.get_action_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M:%S}"


class IngestRejection(RegionScoped):
    """A reading refused at ingest, with the reason the gateway or the user can see. Counted per gateway
    (Gateway.rejected_count); rows are pruned with the raw readings."""

    gateway = models.ForeignKey(Gateway, verbose_name="网关", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="rejections")
    region = models.ForeignKey(Region, verbose_name="所属区划", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")  # the gateway's or the sensor's; empty for an unknown sensor
    channel = models.CharField("通道", max_length=8, choices=[("mqtt", "MQTT"), ("http", "HTTP")])
    sensor_code = models.CharField("监测点编码", max_length=64, blank=True)
    message_id = models.CharField("消息编号", max_length=64, blank=True)
    reason = models.CharField("原因", max_length=255)
    excerpt = models.CharField("内容摘录", max_length=255, blank=True)
    received_at = models.DateTimeField("接收时间", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "拒收记录"
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"拒收 {self.sensor_code or '（无编码）'}：{self.reason}"
