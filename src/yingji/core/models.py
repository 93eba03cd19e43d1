"""Regions (行政区划), organisations (单位), users, the audit trail and login lockouts."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from yingji.standards import divisions

from .scoping import RegionScopedQuerySet
from .validators import validate_mobile, validate_phone


class RegionScoped(models.Model):
    """Base of every region-scoped model: `region_field` is the lookup path to the record's region
    ("region" unless a subclass says otherwise, e.g. "incident__region"; "" for Region itself), and the
    manager offers `.for_user(user)`. Views and viewsets find out from `region_field` that a model is
    scoped; core/checks.py refuses to start when a routed endpoint serves a model that has none.

    `applies_downwards = True` marks records that bind the regions below too (a county's plans, duty roster,
    organisations and contacts): users there READ them as well; writes stay with the record's own region and
    its ancestors (core/scoping.py)."""

    objects = RegionScopedQuerySet.as_manager()
    region_field = "region"
    applies_downwards = False

    class Meta:
        abstract = True


class Record(RegionScoped):
    """What every registry record has: a demo mark, timestamps, and region scoping via `region_field`."""

    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class RegionQuerySet(RegionScopedQuerySet):
    def with_boundary(self):
        """For code that draws or tests the regions' geometry: their boundaries loaded too."""
        return self.defer(None)


class RegionManager(models.Manager.from_queryset(RegionQuerySet)):
    """Regions load without their boundary. Pages name regions (a user's, an ancestor, a record's) far more often
    than they draw them, and a boundary is up to ~50 KB of GeoJSON to parse: it was a third of the home page.
    Code that draws or tests geometry asks for it: `.with_boundary()` on a queryset, `values_list("boundary")`, or
    simply reading `region.boundary` on one region (one query). `select_related("region")` does not go through a
    manager: defer `region__boundary` there."""

    def get_queryset(self):
        return super().get_queryset().defer("boundary")


class Region(Record):
    """A node of the division tree: province → city → county → township → village.

    `path` is a materialised path of ids ("/1/7/42/") so that "this region and all its
    descendants" is one indexed prefix query, whatever the depth.
    """

    LEVEL_CHOICES = [(level, divisions.LEVEL_NAMES[level]) for level in divisions.LEVELS]
    KIND_DIVISION, KIND_ZONE = "division", "zone"
    KIND_CHOICES = [(KIND_DIVISION, "行政区划"), (KIND_ZONE, "功能区（无区划代码）")]

    code = models.CharField("区划代码", max_length=12, unique=True, null=True, blank=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级别", max_length=16, choices=LEVEL_CHOICES)
    kind = models.CharField("类型", max_length=16, choices=KIND_CHOICES, default=KIND_DIVISION)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("路径", max_length=255, editable=False, db_index=True, default="")
    longitude = models.FloatField("中心经度", null=True, blank=True)
    latitude = models.FloatField("中心纬度", null=True, blank=True)
    approximate = models.BooleanField("坐标为估计值", default=False)
    boundary = models.JSONField("边界（GeoJSON）", null=True, blank=True)
    population = models.PositiveIntegerField("常住人口（人）", null=True, blank=True)
    area_km2 = models.DecimalField(
        "面积（km²）", max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    region_field = ""  # the region itself: scoped by its own path

    objects = RegionManager()

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        base_manager_name = "objects"  # user.region, incident.region, … load without the boundary too
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_under_parent"),
        ]

    def get_absolute_url(self):
        return reverse("core:region_detail", args=[self.pk])

    def __str__(self):
        return self.name

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        # Reading a deferred boundary refreshes that one field. Through the manager's defer("boundary"), Django's
        # only("boundary") would load every field instead and overwrite unsaved changes (a new parent).
        if from_queryset is None:
            from_queryset = Region.objects.with_boundary()
        return super().refresh_from_db(using, fields, from_queryset)

    @property
    def full_name(self) -> str:
        return " › ".join(r.name for r in self.ancestors(include_self=True))

    def ancestors(self, include_self=False):
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        if not include_self:
            ids = ids[:-1]
        by_id = Region.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def is_within(self, other: "Region") -> bool:
        return self.path.startswith(other.path)


class RegionGDP(RegionScoped):
    """Yearly GDP of a region, kept apart because KPIs (per 亿元 GDP) divide by a given year's figure."""

    region = models.ForeignKey(Region, verbose_name="行政区划", on_delete=models.CASCADE, related_name="gdp")
    year = models.PositiveSmallIntegerField("年份")
    gdp_wan = models.DecimalField(
        "地区生产总值（万元）", max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    is_demo = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "地区生产总值"
        ordering = ["region__path", "-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="gdp_one_per_region_year")]

    def __str__(self):
        return f"{self.region.name} {self.year} 年"


class Organisation(Record):
    """A department or unit (单位): what tasks, responsibilities and users point at."""

    TYPE_CHOICES = [
        ("government", "人民政府"),
        ("emergency", "应急管理部门"),
        ("fire", "消防救援队伍"),
        ("department", "政府部门"),
        ("military", "驻地部队/武警/民兵"),
        ("public_institution", "事业单位"),
        ("enterprise", "企业"),
        ("social", "社会组织/社会应急力量"),
        ("grassroots", "乡镇(街道)/村(社区)组织"),
    ]

    name = models.CharField("名称", max_length=128)
    short_name = models.CharField("简称", max_length=32, blank=True)
    type = models.CharField("类型", max_length=32, choices=TYPE_CHOICES)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="organisations")
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact_person = models.CharField("联系人", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    duties = models.TextField("职责", blank=True)

    applies_downwards = True  # the regions below read the county's units and their phones

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        ordering = ["region__path", "type", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="organisation_unique_in_region")]

    def get_absolute_url(self):
        return reverse("core:organisation_detail", args=[self.pk])

    def __str__(self):
        return self.name


class Contact(Record):
    """One line of the 通讯录: a person (or a duty line) with the unit they answer for. Applies downwards:
    townships read the county's contacts; each region keeps its own."""

    name = models.CharField("姓名/名称", max_length=64)
    organisation = models.ForeignKey(Organisation, verbose_name="所在单位", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="contacts")
    position = models.CharField("职务", max_length=64, blank=True)
    mobile = models.CharField("手机", max_length=32, blank=True, validators=[validate_mobile])
    office_phone = models.CharField("办公电话", max_length=32, blank=True, validators=[validate_phone])
    is_duty_phone = models.BooleanField("值班电话", default=False,
                                        help_text="24 小时有人接听的值班电话（如县应急局值班室）。")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="contacts")
    remark = models.CharField("备注", max_length=255, blank=True)

    applies_downwards = True

    class Meta:
        verbose_name = verbose_name_plural = "通讯录"
        ordering = ["region__path", "-is_duty_phone", "organisation__name", "name"]
        indexes = [models.Index(fields=["region", "name"])]

    def get_absolute_url(self):
        return reverse("core:contact_detail", args=[self.pk])

    def __str__(self):
        where = self.organisation.short_name or self.organisation.name if self.organisation_id else ""
        return f"{self.name}（{where}）" if where else self.name


class User(AbstractUser):
    """A person who logs in. Roles are groups; `region` bounds everything they see."""

    display_name = models.CharField("姓名", max_length=64, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="所属单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    phone = models.CharField("手机号", max_length=32, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    region_field = "region"

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        ordering = ["username"]

    def get_absolute_url(self):
        return reverse("core:user_detail", args=[self.pk])

    def __str__(self):
        return self.display_name or self.username

    @property
    def role_names(self) -> list[str]:
        return [group.name for group in self.groups.all()]

    @property
    def role_label(self) -> str:
        return "、".join(self.role_names) or "（无角色）"


class AuditEntry(RegionScoped):
    """One change made through a service. Append-only: no view, API or admin edits or deletes it."""

    CREATE, UPDATE, DELETE = "create", "update", "delete"
    # Events that change no record but 等保 asks to trace: who signed in, failed to, took a token or data out.
    LOGIN, LOGOUT, LOGIN_FAILED, TOKEN = "login", "logout", "login_failed", "token"
    EXPORT, DOWNLOAD = "export", "download"
    ACTION_CHOICES = [(CREATE, "新增"), (UPDATE, "修改"), (DELETE, "删除"), (LOGIN, "登录"), (LOGOUT, "退出登录"),
                      (LOGIN_FAILED, "登录失败"), (TOKEN, "签发令牌"), (EXPORT, "导出"), (DOWNLOAD, "下载")]

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("操作", max_length=16, choices=ACTION_CHOICES)
    model = models.CharField("对象类型", max_length=64, db_index=True)  # "core.region"
    model_name = models.CharField("对象类型名称", max_length=64)
    object_id = models.CharField("对象编号", max_length=64, db_index=True)
    object_repr = models.CharField("对象", max_length=255)
    region = models.ForeignKey(Region, verbose_name="所属区划", null=True, blank=True, on_delete=models.SET_NULL)
    changes = models.JSONField("变更内容", default=dict)  # {field: [before, after]}

    class Meta:
        verbose_name = verbose_name_plural = "操作审计"
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self):
        return f"{self.actor_name} {self.get_action_display()} {self.model_name}“{self.object_repr}”"


class RefusedRequest(models.Model):
    """A request refused before its body was read (over the size cap). Rate limits count these too, so
    oversize requests cannot be sent for free (the public report form's hourly limit per IP)."""

    kind = models.CharField("类别", max_length=32)  # "public_report"
    ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "被拒绝的请求"
        indexes = [models.Index(fields=["kind", "ip", "time"])]

    KIND_LABELS = {"public_report": "公众上报"}

    def __str__(self):
        when = f"，{timezone.localtime(self.time):%Y-%m-%d %H:%M}" if self.time else ""
        return f"超限被拒的{self.KIND_LABELS.get(self.kind, self.kind)}请求（{self.ip or '未知地址'}{when}）"


class Heartbeat(models.Model):
    """The last sign of life of one background process (core/health.py): a `yingji worker` writes one every
    YINGJI_HEARTBEAT_SECONDS, a `yingji ingest mqtt` consumer too, with its connection state and lag. In the
    database, not a file or a cache, so that /readyz on any web process (or host) sees every worker's."""

    WORKER, INGEST = "worker", "ingest"
    KIND_CHOICES = [(WORKER, "后台任务进程"), (INGEST, "MQTT 接入进程")]

    kind = models.CharField("类别", max_length=16, choices=KIND_CHOICES)
    instance = models.CharField("进程", max_length=128)  # host:pid (worker) or host:pid:client id (ingest)
    started_at = models.DateTimeField("启动时间")
    seen_at = models.DateTimeField("最近心跳", db_index=True)
    connected = models.BooleanField("已连接", null=True)  # ingest: connected to the MQTT broker
    last_batch_at = models.DateTimeField("最近入库批次", null=True, blank=True)  # ingest: last committed batch
    lag_s = models.FloatField("积压时长（秒）", null=True, blank=True)  # ingest: oldest message not yet stored
    queued = models.IntegerField("积压消息数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "进程心跳"
        constraints = [models.UniqueConstraint(fields=["kind", "instance"], name="heartbeat_unique_instance")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.instance}"
