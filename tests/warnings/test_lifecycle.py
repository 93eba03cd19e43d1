"""The life cycle of a warning through its services: draft → submit → review (reject with a reason, approve) →
sign & publish (identifier, CAP valid against the XSD, targeting, deliveries) → update → cancel; expiry; and the
bad input of issue 15, each refused with the field named and nothing written."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yingji.core.models import AuditEntry, Region, User
from yingji.standards import cap
from yingji.warnings.models import Delivery, Recipient, Warning, WarningArea, WarningEvent
from yingji.warnings.services import lifecycle, recipients


@pytest.fixture
def people(demo):
    return {name: User.objects.get(username=name) for name in ("duty", "commander", "leader", "township", "township2")}


def _townships(*codes):
    return list(Region.objects.filter(code__in=codes))


def _draft(people, *, level=1, event="11B03", codes=("512022102", "512022103"), **overrides):
    now = timezone.now()
    data = {"event_code": event, "level": level, "headline": "乐至县气象局发布暴雨红色预警",
            "description": "预计未来 3 小时回澜镇、石湍镇降雨量将达 100 毫米以上。",
            "instruction": "1. 停止集会、停课、停业；2. 做好山洪、滑坡、泥石流等灾害的防御。",
            "onset": now, "expires": now + timedelta(hours=6), "channels": ["sms", "loudspeaker"], **overrides}
    areas = [{"area_desc": "回澜镇、石湍镇", "regions": _townships(*codes)}]
    return lifecycle.save_draft(people["duty"], Warning(), data, areas)


def _recipient(region, name, phone, **extra):
    return recipients.save_recipient(None, Recipient(), {"region": region, "name": name, "phone": phone, **extra})


def _publish(people, warning):
    lifecycle.submit(people["duty"], warning)
    lifecycle.review(people["commander"], warning)
    return lifecycle.publish(people["leader"], warning)


def test_draft_review_publish(people):
    huilan, shitan, tianchi = (Region.objects.get(code=c) for c in ("512022102", "512022103", "512022001"))
    _recipient(huilan, "回澜居民", "13800001111")
    _recipient(shitan, "石湍网格员", "13800002222", kind="grid")
    _recipient(tianchi, "天池居民", "13800003333")
    warning = _draft(people)
    assert warning.state == Warning.DRAFT and warning.region.code == "512022"
    assert warning.event == "暴雨事件" and warning.areas.count() == 1
    lifecycle.submit(people["duty"], warning)
    with pytest.raises(PermissionDenied):  # the drafter does not review their own warning
        lifecycle.review(people["duty"], warning)
    lifecycle.reject(people["commander"], warning, "请补充降雨量依据")
    warning.refresh_from_db()
    assert warning.state == Warning.DRAFT and warning.rejection_reason == "请补充降雨量依据"
    lifecycle.submit(people["duty"], warning)
    lifecycle.review(people["commander"], warning)
    with pytest.raises(PermissionDenied):  # the duty officer may not sign by default
        lifecycle.publish(people["duty"], warning)
    lifecycle.publish(people["leader"], warning)
    warning.refresh_from_db()
    assert warning.state == Warning.PUBLISHED
    parts = cap.parse_identifier(warning.identifier)
    assert parts.region_code == "512022" and parts.sender_code == warning.sender_code == "51202200000000"
    assert cap.validate(warning.cap_xml.encode()) == []
    alert = cap.parse(warning.cap_xml.encode())
    assert alert.infos[0].event_code == "11B03" and alert.infos[0].level == 1
    assert {g for a in alert.infos[0].areas for g in a.geocodes} == {("GB/T 2260", "512022102"),
                                                                    ("GB/T 2260", "512022103")}
    sms = set(Delivery.objects.filter(warning=warning, channel="sms").values_list("address", flat=True))
    assert {"13800001111", "13800002222"} <= sms and "13800003333" not in sms
    assert warning.people_reached >= 2
    assert set(warning.coverage.values_list("township__code", flat=True)) == {"512022102", "512022103"}
    actions = list(WarningEvent.objects.filter(warning=warning).values_list("action", flat=True))
    assert actions[:6] == ["drafted", "submitted", "rejected", "submitted", "reviewed", "published"]
    assert AuditEntry.objects.filter(model="warnings.warning", object_id=str(warning.pk)).count() >= 6


def test_update_supersedes_and_cancel_ends_the_chain(people):
    first = _publish(people, _draft(people, level=2, headline="暴雨橙色预警"))
    update = lifecycle.draft_followup(people["duty"], first, Warning.UPDATE, {"level": 1, "headline": "暴雨红色预警"})
    assert update.msg_type == Warning.UPDATE and update.references_id == first.pk and update.chain == first.chain
    _publish(people, update)
    first.refresh_from_db()
    update.refresh_from_db()
    assert first.state == Warning.SUPERSEDED and update.state == Warning.PUBLISHED
    alert = cap.parse(update.cap_xml.encode())
    assert [r.identifier for r in alert.references] == [first.identifier]
    end = lifecycle.cancel(people["leader"], update, "降雨已减弱")
    update.refresh_from_db()
    assert update.state == Warning.CANCELLED and end.msg_type == Warning.CANCEL
    alert = cap.parse(end.cap_xml.encode())
    assert alert.msg_type == "Cancel" and {r.identifier for r in alert.references} == {first.identifier,
                                                                                          update.identifier}
    assert cap.validate(end.cap_xml.encode()) == []


def test_identifiers_in_the_same_second_count_up(people):
    a, b = _draft(people), _draft(people)
    moment = timezone.now() + timedelta(days=1)  # a second nobody else published in (the demo loads at "now")
    code = lifecycle.sender_code(a.region)
    first, second = lifecycle.assign_identifier(a, code, moment), lifecycle.assign_identifier(b, code, moment)
    assert first.endswith("_0") and second.endswith("_1") and first[:-1] == second[:-1]


def test_expiry_ends_a_warning_by_itself(people):
    warning = _publish(people, _draft(people, level=3))
    Warning.objects.filter(pk=warning.pk).update(onset=timezone.now() - timedelta(hours=2),
                                                 expires=timezone.now() - timedelta(minutes=1))
    assert warning.pk in lifecycle.expire_due()
    warning.refresh_from_db()
    assert warning.state == Warning.EXPIRED and warning.events.filter(action="expired").exists()


BAD = [
    ("expires", {"expires": "past"}),
    ("event_code", {"event_code": "19Z99"}),
    ("level", {"event": "11B09", "level": 4}),  # 高温 has no blue warning
]


@pytest.mark.parametrize(("field", "change"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_field_and_writes_nothing(people, field, change):
    change = dict(change)
    if change.get("expires") == "past":
        change["expires"] = timezone.now() - timedelta(hours=1)
    before = (Warning.objects.count(), WarningArea.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as caught:
        _draft(people, **change)
    assert field in caught.value.message_dict
    assert (Warning.objects.count(), WarningArea.objects.count(), AuditEntry.objects.count()) == before


def _draft_area(people, area):
    now = timezone.now()
    return lifecycle.save_draft(people["duty"], Warning(), {
        "event_code": "11B03", "level": 2, "headline": "暴雨橙色预警", "description": "强降雨。",
        "onset": now, "expires": now + timedelta(hours=3)}, [area])


@pytest.mark.parametrize(("area", "says"), [
    ({"area_desc": "未闭合", "polygon": {"type": "Polygon", "coordinates": [[[105.0, 30.2], [105.1, 30.2],
                                                                          [105.1, 30.3], [105.0, 30.3]]]}}, "闭合"),
    ({"area_desc": "自相交", "polygon": {"type": "Polygon", "coordinates": [[[105.0, 30.2], [105.1, 30.3],
                                                                          [105.1, 30.2], [105.0, 30.3],
                                                                          [105.0, 30.2]]]}}, "自相交"),
    ({"area_desc": "县外", "polygon": {"type": "Polygon", "coordinates": [[[116.3, 39.9], [116.4, 39.9],
                                                                        [116.4, 40.0], [116.3, 39.9]]]}}, "超出"),
    ({"area_desc": "雁江区", "regions": "512002"}, "不在发布区划"),
])
def test_bad_area_is_refused(people, area, says):
    area = dict(area)
    if isinstance(area.get("regions"), str):
        area["regions"] = _townships(area["regions"])
    before = Warning.objects.count()
    with pytest.raises(ValidationError) as caught:
        _draft_area(people, area)
    assert any(says in message for message in caught.value.message_dict["areas"]), caught.value.message_dict
    assert Warning.objects.count() == before


def test_an_invalid_cap_is_not_published(people, monkeypatch):
    warning = _draft(people)
    lifecycle.submit(people["duty"], warning)
    lifecycle.review(people["commander"], warning)
    from yingji.warnings.services import cap as glue

    monkeypatch.setattr(glue, "message_xml", lambda w: "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>")
    with pytest.raises(ValidationError) as caught:
        lifecycle.publish(people["leader"], warning)
    assert "cap_xml" in caught.value.message_dict
    warning.refresh_from_db()
    assert warning.state == Warning.REVIEWED and warning.identifier is None and not warning.deliveries.exists()


def test_township_sees_published_warnings_that_reach_it(people):
    draft = _draft(people, codes=("512022102",))
    assert not Warning.objects.for_user(people["township2"]).filter(pk=draft.pk).exists()
    _publish(people, draft)
    assert Warning.objects.for_user(people["township2"]).filter(pk=draft.pk).exists()  # 回澜镇
    assert not Warning.objects.for_user(people["township"]).filter(pk=draft.pk).exists()  # 天池街道


def test_a_lost_race_for_n_takes_the_next_one(people, monkeypatch):
    """Another publication took N=0 between our read and our write: the unique key refuses ours inside a
    savepoint (the transaction stays usable, on PostgreSQL too) and the next N is taken."""
    a, b = _draft(people), _draft(people)
    moment = timezone.now()
    code = lifecycle.sender_code(a.region)
    first = lifecycle.assign_identifier(a, code, moment)
    monkeypatch.setattr(lifecycle, "_taken", lambda prefix: set())  # as if we had read before `a` committed
    second = lifecycle.assign_identifier(b, code, moment)
    assert second == first[:-1] + str(int(first[-1]) + 1)
    assert Warning.objects.filter(identifier=second, pk=b.pk).exists()


def test_moving_a_draft_to_a_township_keeps_its_areas_inside(people):
    draft = _draft(people, codes=("512022103",))  # 石湍镇
    huilan = Region.objects.get(code="512022102")
    with pytest.raises(ValidationError) as caught:
        lifecycle.save_draft(people["duty"], draft, {"region": huilan})
    assert any("不在发布区划“回澜镇”" in m for m in caught.value.message_dict["areas"])
    draft.refresh_from_db()
    assert draft.region.code == "512022"
