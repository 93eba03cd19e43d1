"""The webhook register's pages (Webhook 订阅): list, a subscriber's page (what it wants, its secret masked or
shown once, its deliveries with their state, attempts, receipt or error), create and edit, enable/disable, and
renewing the secret. Writes go through services/webhooks.py; pages are scoped by region (a township sees its
own subscribers only; another township's is a 404)."""

from django import forms
from django.db.models import Count, Q
from django.urls import path
from django.views.generic import DetailView

from yingji.core.forms import ScopedModelForm
from yingji.core.generic import ObjectActionView, ObjectFormView, ObjectListView, ScopedMixin
from yingji.core.models import Region
from yingji.core.scoping import scope

from ..filtersets import SubscriberFilterSet
from ..models import LEVEL_CHOICES, Delivery, WebhookSubscriber
from ..services import webhooks as services

FRESH_SECRET = "warnings-webhook-secret"  # session key: the secret shown once on the next subscriber page


class SubscriberListView(ObjectListView):
    model = WebhookSubscriber
    title = "Webhook 订阅"
    search_fields = ["name", "url"]
    columns = [("name", "名称"), ("shown_url", "接收地址"), ("region.name", "所属区划"), ("wanted", "订阅内容"),
               ("n_deliveries", "推送次数"), ("is_active", "启用")]
    orderings = {"name": "name", "region": ("region__path", "所属区划")}
    filterset_class = SubscriberFilterSet
    add_url_name = "warnings:subscriber_add"

    filters = [("is_active", "启用状态", [("true", "启用"), ("false", "停用")])]

    def base_queryset(self):
        return WebhookSubscriber.objects.select_related("region").annotate(n_deliveries=Count("deliveries"))

    def summary(self, queryset):
        counts = queryset.aggregate(n=Count("pk", distinct=True),
                                    active=Count("pk", filter=Q(is_active=True), distinct=True))
        return f"共 {counts['n']} 个订阅，启用 {counts['active']} 个。推送为签名 JSON（X-Yingji-Signature），失败按退避重试。"


class SubscriberDetailView(ScopedMixin, DetailView):
    model = WebhookSubscriber
    template_name = "warnings/subscriber_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subscriber = self.object
        rows = scope(Delivery.objects.filter(subscriber=subscriber), self.request.user)
        counts = dict(rows.values_list("state").annotate(n=Count("id")).order_by())
        fresh = self.request.session.pop(FRESH_SECRET, None)
        context.update(
            title=subscriber.name,
            watched=list(subscriber.regions.order_by("path")),
            fresh_secret=fresh["secret"] if fresh and fresh.get("id") == subscriber.pk else "",
            counts=[(label, counts.get(state, 0)) for state, label in Delivery.STATE_CHOICES],
            deliveries=rows.select_related("warning").order_by("-id")[:50],
            may_change=self.request.user.has_perm("warnings.change_webhooksubscriber"))
        return context


class SubscriberForm(ScopedModelForm):
    event_codes = forms.CharField(label="事件类型", required=False,
                                  help_text="GB/T 35561 代码，逗号或空格分隔，如 11B03（暴雨）、11B00（全部气象灾害）、"
                                            "11000（全部自然灾害）；留空：全部")
    levels = forms.TypedMultipleChoiceField(label="预警级别", required=False, coerce=int, choices=LEVEL_CHOICES,
                                            widget=forms.CheckboxSelectMultiple, help_text="不选：全部级别")
    regions = forms.ModelMultipleChoiceField(label="关注区划", required=False, queryset=Region.objects.none(),
                                             help_text="预警由其发布或覆盖其中任一区划时推送；不选：所属区划全部",
                                             widget=forms.SelectMultiple(attrs={"size": 6}))

    class Meta:
        model = WebhookSubscriber
        fields = ["region", "name", "url", "event_codes", "levels", "regions", "is_active", "remark"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        levels = ("city", "county", "township")
        self.fields["region"].queryset = scope(Region.objects.filter(level__in=levels), user).order_by("path")
        self.fields["regions"].queryset = scope(Region.objects.filter(level__in=("county", "township")),
                                                user).order_by("path")
        self.initial["event_codes"] = " ".join(self.instance.event_codes or [])  # not the list's repr "[]"
        if self.instance.pk:
            self.initial["regions"] = list(self.instance.regions.all())
        elif not self.is_bound and getattr(user, "region", None):
            self.initial["region"] = user.region

    def clean_event_codes(self):
        raw = self.cleaned_data.get("event_codes") or ""
        return [c for c in raw.replace("，", " ").replace(",", " ").replace("、", " ").split() if c]

    def _post_clean(self):
        pass  # the service checks the record (URL, codes, regions) with its own Chinese messages

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class SubscriberFormView(ObjectFormView):
    model = WebhookSubscriber
    form_class = SubscriberForm
    service = staticmethod(services.save_subscriber)

    def saved(self, subscriber, created: bool) -> str:
        if not created:
            return f"已保存{subscriber}。"
        self.request.session[FRESH_SECRET] = {"id": subscriber.pk, "secret": subscriber.secret}
        return f"已新增{subscriber}。签名密钥只显示这一次，请复制给接收方。"


class SubscriberActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("enable", "启用"), ("disable", "停用"), ("renew", "重新生成密钥")])


class SubscriberActionView(ObjectActionView):
    """POST action=enable|disable|renew on a subscriber's page."""

    model = WebhookSubscriber
    form_class = SubscriberActionForm
    permission = "warnings.change_webhooksubscriber"

    def act(self, obj, data):
        if data["action"] == "renew":
            secret = services.renew_secret(self.request.user, obj)
            self.request.session[FRESH_SECRET] = {"id": obj.pk, "secret": secret}
            return "已重新生成签名密钥，旧密钥立即失效。新密钥只显示这一次，请复制给接收方。"
        services.set_active(self.request.user, obj, data["action"] == "enable")
        return "已启用该订阅。" if data["action"] == "enable" else "已停用该订阅：此后发布的预警不再推送给它。"


urlpatterns = [
    path("warnings/webhooks/", SubscriberListView.as_view(), name="subscriber_list"),
    path("warnings/webhooks/add/", SubscriberFormView.as_view(), name="subscriber_add"),
    path("warnings/webhooks/<int:pk>/", SubscriberDetailView.as_view(), name="subscriber_detail"),
    path("warnings/webhooks/<int:pk>/edit/", SubscriberFormView.as_view(), name="subscriber_edit"),
    path("warnings/webhooks/<int:pk>/action/", SubscriberActionView.as_view(), name="subscriber_action"),
]
