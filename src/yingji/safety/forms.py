"""Web forms of safety supervision. They only parse input; the services validate and write."""

from django import forms

from yingji.core.forms import ScopedModelForm
from yingji.core.models import User
from yingji.core.scoping import scope

from .models import ENTERPRISE_ROLE, Enterprise, HazardUnit, InventoryLine, Licence, is_enterprise_account

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceModelForm(ScopedModelForm):
    def _post_clean(self):  # the model's own checks run in the service, with the domain rules, in one answer
        pass


class EnterpriseForm(ServiceModelForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "industry", "category", "scale", "standardisation", "status", "region",
                  "address", "longitude", "latitude", "in_chemical_park", "principal", "principal_phone",
                  "safety_manager", "safety_manager_phone", "employees", "people_within_500m", "accounts"]
        help_texts = {"people_within_500m": "用于GB 18218-2018表5的暴露人员校正系数α，修改后重新计算各单元的R值。",
                      "accounts": "绑定“企业用户”角色的账号，该账号只能看到和维护本企业。"}
        widgets = {"accounts": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        accounts = self.fields["accounts"]
        if is_enterprise_account(user):
            del self.fields["accounts"]  # an enterprise does not bind accounts to itself
        else:
            accounts.queryset = scope(User.objects.filter(groups__name=ENTERPRISE_ROLE), user).order_by("username")
            accounts.required = False


class LicenceForm(ServiceModelForm):
    class Meta:
        model = Licence
        fields = ["enterprise", "kind", "number", "scope", "issued_on", "expires_on"]
        widgets = {"issued_on": DATE, "expires_on": DATE}


class UnitForm(ServiceModelForm):
    class Meta:
        model = HazardUnit
        fields = ["enterprise", "name", "kind", "description"]


class LineForm(ServiceModelForm):
    class Meta:
        model = InventoryLine
        fields = ["unit", "chemical", "categories", "max_tonnes"]
