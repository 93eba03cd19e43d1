"""Web forms. They only parse input; services validate the domain rules and write."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group

from . import roles
from .models import Contact, Organisation, Region, User
from .scoping import scope
from .security import lock_message


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。连续 5 次失败后账号将被锁定 15 分钟。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):  # set by the throttling backend
                raise forms.ValidationError(lock_message(), code="locked") from None
            raise


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose foreign-key choices are limited to what the user may see."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and hasattr(field.queryset.model, "region_field"):
                field.queryset = scope(field.queryset, user)

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class OptionalJSONField(forms.JSONField):
    """An empty box for "no value" rather than the text null."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class RegionForm(ScopedModelForm):
    allow_outside_china = forms.BooleanField(label="允许境外坐标", required=False)
    boundary = OptionalJSONField(
        label="边界（GeoJSON）", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Polygon 或 MultiPolygon，坐标为 CGCS2000/WGS84 经纬度；留空则定位时按最近中心点估计。",
    )

    class Meta:
        model = Region
        fields = ["parent", "name", "code", "level", "kind", "longitude", "latitude", "approximate", "boundary",
                  "population", "area_km2"]

    def _post_clean(self):
        # Model-level rules (code, level, coordinates) are the service's job, with its own messages.
        pass


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "type", "region", "parent", "credit_code", "contact_person", "phone",
                  "address", "duties"]

    def _post_clean(self):
        pass


class ContactForm(ScopedModelForm):
    class Meta:
        model = Contact
        fields = ["name", "organisation", "position", "mobile", "office_phone", "is_duty_phone", "region", "remark"]

    def _post_clean(self):
        pass  # phones and the unit are the service's job, with its own messages


class UserForm(ScopedModelForm):
    roles = forms.ModelMultipleChoiceField(
        label="角色", queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        label="密码", required=False, widget=forms.PasswordInput(render_value=False),
        help_text="新用户必填；修改用户时留空表示不改密码。至少 8 位，含大小写字母、数字、符号中的 3 类。",
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "phone", "email", "region", "organisation", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles.ensure_roles()
        self.fields["roles"].queryset = Group.objects.filter(name__in=roles.ROLE_NAMES).order_by("id")
        if self.instance.pk:
            self.fields["roles"].initial = list(self.instance.groups.all())

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return {
            "role_names": [g.name for g in self.cleaned_data.get("roles") or []],
            "password": self.cleaned_data.get("password") or None,
        }


class GDPForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=1949, max_value=2100)
    gdp_wan = forms.DecimalField(label="地区生产总值（万元）", min_value=0, max_digits=16, decimal_places=2)
