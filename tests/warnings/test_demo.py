"""The demo's warnings (issue 15 §7): a published 暴雨橙色预警 for three 乐至 townships with deliveries, an expired
高温黄色预警, a cancelled one; recipients for the county placed in their villages; a terminal per village; every CAP
message valid."""

import numpy as np

from yingji.core.models import Region
from yingji.standards import cap
from yingji.warnings.models import Delivery, LoudspeakerTerminal, Recipient, Warning


def test_demo_warnings(demo):
    orange = Warning.objects.get(headline="乐至县应急管理局发布暴雨橙色预警")
    assert (orange.state, orange.level, orange.event_code) == (Warning.PUBLISHED, 2, "11B03")
    assert set(orange.coverage.values_list("township__name", flat=True)) == {"蟠龙镇", "龙门镇", "劳动镇"}
    assert orange.people_reached == Recipient.objects.filter(region__parent__name__in=["蟠龙镇", "龙门镇", "劳动镇"]).count()
    channels = set(orange.deliveries.values_list("channel", flat=True))
    assert channels == {"sms", "email", "loudspeaker", "webhook"}
    # The county's subscribers that want it (everything; 气象 red and orange), not the townships' elsewhere.
    assert set(orange.deliveries.filter(channel="webhook").values_list("subscriber__name", flat=True)) == {
        "资阳市应急指挥平台", "乐至县融媒体中心"}
    sms = orange.deliveries.filter(channel="sms")
    assert set(sms.values_list("report_status", flat=True)) == {"DELIVRD", "UNDELIV"}  # the demo's receipts
    assert orange.deliveries.filter(state=Delivery.DELIVERED).exists() and orange.deliveries.filter(
        state=Delivery.FAILED).exists()
    heat = Warning.objects.get(headline="乐至县应急管理局发布高温黄色预警")
    assert heat.state == Warning.EXPIRED and heat.level == 3 and heat.expires < orange.sent
    wind = Warning.objects.get(headline="乐至县应急管理局发布大风蓝色预警")
    assert wind.state == Warning.CANCELLED
    end = Warning.objects.get(references=wind)
    assert end.msg_type == Warning.CANCEL and end.deliveries.filter(channel="loudspeaker").exists()
    for message in Warning.objects.exclude(cap_xml=""):
        assert cap.validate(message.cap_xml.encode()) == [], message.headline
    assert Warning.objects.filter(state=Warning.SUBMITTED).exists()  # one waiting for review


def test_demo_recipients_and_terminals(demo):
    townships = Region.objects.filter(parent__code="512022", level="township").count()
    villages = Region.objects.filter(level="village", parent__parent__code="512022")
    assert villages.count() == (townships - 2) * 3  # 天池街道 and 回澜镇 register at the township
    assert not Region.objects.filter(parent__code__in=["512022001", "512022102"]).exists()
    assert LoudspeakerTerminal.objects.filter(region__in=villages).count() == villages.count()
    assert LoudspeakerTerminal.objects.filter(region__code="512022102").count() == 3
    people = Recipient.objects.filter(is_demo=True)
    assert people.count() == townships * 3 * 33
    assert people.filter(longitude=None).exists() and people.exclude(longitude=None).exists()
    rows = np.array(people.exclude(longitude=None).values_list("longitude", "latitude", "region__longitude",
                                                               "region__latitude"), dtype=float)
    assert np.all(np.abs(rows[:, 0] - rows[:, 2]) <= 0.006 + 0.012 + 1e-9)  # around their village (or township)
    assert np.all(np.abs(rows[:, 1] - rows[:, 3]) <= 0.005 + 0.010 + 1e-9)
    in_village = people.filter(region__level="village").exclude(longitude=None)
    rows = np.array(in_village.values_list("longitude", "latitude", "region__longitude", "region__latitude"),
                    dtype=float)
    assert np.all(np.abs(rows[:, 0] - rows[:, 2]) <= 0.006 + 1e-9)  # inside their (demo) village
    assert all(p.startswith("1990000") for p in people.values_list("phone", flat=True))
