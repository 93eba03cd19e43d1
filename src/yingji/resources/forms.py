from django import forms

from yingji.core.forms import ScopedModelForm
from yingji.standards import event_codes

from .models import RescueForce


class ForceForm(ScopedModelForm):
    capabilities = forms.MultipleChoiceField(
        label="可处置事件类别", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(c.code, f"{c.name}") for c in event_codes.classes()],
        help_text="GB/T 35561 事件类别；调度推荐时按此匹配事件。",
    )

    class Meta:
        model = RescueForce
        fields = ["name", "type", "station_class", "specialty", "region", "organisation", "longitude", "latitude",
                  "address", "contact_person", "phone", "duty_phone", "members_total", "members_on_duty",
                  "capabilities", "notes"]

    def _post_clean(self):
        pass


class ForceStatusForm(forms.Form):
    status = forms.ChoiceField(label="战备状态", choices=RescueForce.STATUS_CHOICES)
    members_on_duty = forms.IntegerField(label="在岗人数（人）", min_value=0, required=False)
    reason = forms.CharField(label="原因", required=False, max_length=255)
