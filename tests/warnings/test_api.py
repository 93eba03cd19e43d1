"""The warnings API end to end: a duty officer drafts a 暴雨红色预警 for two townships, a commander reviews, a leader
signs; the CAP downloads and validates; deliveries and coverage are listed; a township reads it; bad input is a 400
naming the field with nothing written; an external CAP imports and a bad one is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.core.models import Region
from yingji.standards import cap
from yingji.warnings.models import Warning

URL = "/api/warnings/messages/"


def _body(*codes, **changes):
    now = timezone.now()
    regions = list(Region.objects.filter(code__in=codes).values_list("pk", flat=True))
    return {"event_code": "11B03", "level": 1, "headline": "暴雨红色预警", "description": "3 小时降雨将达 100 毫米以上。",
            "instruction": "停止集会、停课、停业。", "onset": now.isoformat(),
            "expires": (now + timedelta(hours=6)).isoformat(), "channels": ["sms", "loudspeaker"],
            "areas": [{"area_desc": "石湍镇、回澜镇", "regions": regions}], **changes}


def _fields(answer) -> dict:
    return answer.json()["error"]["fields"]


def test_draft_review_sign_over_the_api(demo, api):
    duty, commander, leader = api("duty"), api("commander"), api("leader")
    answer = duty.post(URL, _body("512022103", "512022102"), format="json")
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert answer.json()["state"] == "draft" and len(answer.json()["areas"]) == 1
    assert duty.post(f"{URL}{pk}/submit/", {}, format="json").status_code == 200
    assert duty.post(f"{URL}{pk}/review/", {}, format="json").status_code == 403  # not the drafter
    refused = commander.post(f"{URL}{pk}/reject/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in _fields(refused)
    assert commander.post(f"{URL}{pk}/review/", {"approve": True}, format="json").status_code == 200
    published = leader.post(f"{URL}{pk}/publish/", {}, format="json")
    assert published.status_code == 200, published.content
    body = published.json()
    assert body["state"] == "published" and body["identifier"].startswith("51202200000000_")
    assert {c["township_name"] for c in body["coverage"]} == {"石湍镇", "回澜镇"}
    assert body["people_reached"] > 0 and body["progress"]["sms"]["queued"] > 0
    xml = duty.get(f"{URL}{pk}/cap/")
    assert xml.status_code == 200 and xml["Content-Type"].startswith("application/cap+xml")
    assert cap.validate(xml.content) == []
    deliveries = duty.get("/api/warnings/deliveries/", {"warning": pk, "channel": "loudspeaker"}).json()
    assert deliveries["count"] > 0 and {d["state"] for d in deliveries["results"]} == {"queued"}
    township = api("township2").get(f"{URL}{pk}/")  # 回澜镇 is in the area
    assert township.status_code == 200
    assert api("township").get(f"{URL}{pk}/").status_code == 404  # 天池街道 is not
    cancelled = leader.post(f"{URL}{pk}/cancel/", {"reason": "降雨减弱"}, format="json")
    assert cancelled.status_code == 201 and cancelled.json()["msg_type"] == "Cancel"
    assert duty.get(f"{URL}{pk}/").json()["state"] == "cancelled"


@pytest.mark.parametrize(("change", "field"), [
    ({"expires": "2020-01-01T00:00:00+08:00"}, "expires"),
    ({"event_code": "11Z99"}, "event_code"),
    ({"event_code": "11B09", "level": 4}, "level"),
    ({"areas": [{"area_desc": "外县", "polygon": {"type": "Polygon", "coordinates": [
        [[104.6, 30.1], [104.7, 30.1], [104.7, 30.2], [104.6, 30.1]]]}}]}, "areas"),
    ({"areas": [{"area_desc": "自相交", "polygon": {"type": "Polygon", "coordinates": [
        [[105.0, 30.25], [105.05, 30.3], [105.05, 30.25], [105.0, 30.3], [105.0, 30.25]]]}}]}, "areas"),
])
def test_bad_draft_is_a_400_naming_the_field(demo, api, change, field):
    before = Warning.objects.count()
    answer = api("duty").post(URL, _body("512022103", **change), format="json")
    assert answer.status_code == 400 and field in _fields(answer), answer.content
    assert Warning.objects.count() == before


def test_targeting_preview_writes_nothing(demo, api):
    region = Region.objects.get(code="512022113")
    before = Warning.objects.count()
    answer = api("duty").post(f"{URL}preview/", {"areas": [{"area_desc": "蟠龙镇", "regions": [region.pk]}]},
                              format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["people_reached"] > 0 and [t["name"] for t in body["townships"]] == ["蟠龙镇"]
    assert body["terminals"] >= 3 and Warning.objects.count() == before


def _foreign_cap(identifier="51000000000000_20261130080000_0", **info):
    from datetime import datetime

    sent = datetime(2026, 11, 30, 8, 0, tzinfo=cap.BEIJING)
    alert = cap.Alert(identifier=identifier, sender="51000000000000", sent=sent, infos=[cap.Info(
        event="暴雨", level=2, event_codes=[("GB/T 35561", "11B03")], effective=sent, onset=sent,
        expires=sent + timedelta(days=3650), sender_name="四川省气象台", headline="四川省气象台发布暴雨橙色预警",
        description="省内东部暴雨。", areas=[cap.Area(desc="乐至县", geocodes=[("GB/T 2260", "512022")])], **info)])
    return cap.build(alert)


def test_import_external_cap(demo, api):
    client = api("duty")
    answer = client.post(f"{URL}import/", {"xml": _foreign_cap().decode()}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["source"] == "imported" and body["state"] == "published" and body["level"] == 2
    again = client.post(f"{URL}import/", {"xml": _foreign_cap().decode()}, format="json")
    assert again.status_code == 400 and "cap_xml" in _fields(again)
    broken = _foreign_cap(identifier="51000000000000_20261130080000_1").replace(b"<status>Actual</status>",
                                                                                 b"<status>Real</status>")
    refused = client.post(f"{URL}import/", {"xml": broken.decode()}, format="json")
    assert refused.status_code == 400 and "cap_xml" in _fields(refused)
    edit = client.patch(f"{URL}{body['id']}/", {"headline": "改"}, format="json")
    assert edit.status_code == 400  # imported messages are read-only


def _certificate(name):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()), cert.public_bytes(serialization.Encoding.PEM))


def test_a_signed_cap_is_imported_only_from_a_trusted_sender(demo, api, settings, tmp_path):
    import signxml
    from lxml import etree

    province, stranger = _certificate("四川省预警信息发布中心"), _certificate("冒充者")

    def signed_by(keypair, identifier):
        element = signxml.XMLSigner(method=signxml.methods.enveloped).sign(
            etree.fromstring(_foreign_cap(identifier=identifier)), key=keypair[0], cert=keypair[1])
        return etree.tostring(element, xml_declaration=True, encoding="UTF-8").decode()

    client, trusted = api("duty"), tmp_path / "trusted.pem"
    genuine = signed_by(province, "51000000000000_20261130080000_7")
    post = lambda xml: client.post(f"{URL}import/", {"xml": xml}, format="json")  # noqa: E731
    unconfigured = post(genuine)
    assert unconfigured.status_code == 400 and "未配置该发送方的可信证书" in str(unconfigured.json())
    settings.YINGJI_CAP_TRUSTED_CERTIFICATES = str(tmp_path / "missing.pem")
    missing = post(genuine)
    assert missing.status_code == 400 and "可信证书文件" in str(missing.json())
    trusted.write_bytes("# 省平台\n".encode() + _certificate("另一发送方")[1] + province[1])
    settings.YINGJI_CAP_TRUSTED_CERTIFICATES = str(trusted)
    forged = post(signed_by(stranger, "51000000000000_20261130080000_8"))
    assert forged.status_code == 400 and "签名校验失败" in str(forged.json())
    accepted = post(genuine)
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["source"] == "imported"
