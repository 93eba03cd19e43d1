"""Signed CAP imports (XML-DSig, enveloped, checked with signxml against YINGJI_CAP_TRUSTED_CERTIFICATES): a
certificate made in the test signs a message — accepted; one byte changed — refused; signed by another
certificate — refused; unsigned — refused once trusted certificates are configured, unless
YINGJI_CAP_ALLOW_UNSIGNED allows it, and accepted while none are (the default). Each refusal is a Chinese reason
on cap_xml and writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from yingji.core.models import User
from yingji.warnings.models import Warning
from yingji.warnings.services.imports import import_cap

from .test_api import _certificate, _foreign_cap

signxml = pytest.importorskip("signxml")


def signed(keypair, identifier) -> bytes:
    from lxml import etree

    element = signxml.XMLSigner(method=signxml.methods.enveloped).sign(
        etree.fromstring(_foreign_cap(identifier=identifier)), key=keypair[0], cert=keypair[1])
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


@pytest.fixture
def province(tmp_path, settings):
    keypair = _certificate("四川省预警信息发布中心")
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(keypair[1])
    settings.YINGJI_CAP_TRUSTED_CERTIFICATES = str(bundle)
    settings.YINGJI_CAP_ALLOW_UNSIGNED = None  # the default: decided by whether certificates are configured
    return keypair


def refusal(duty, xml) -> str:
    before = Warning.objects.count()
    with pytest.raises(ValidationError) as caught:
        import_cap(duty, xml)
    assert Warning.objects.count() == before  # nothing half-written
    return " ".join(caught.value.message_dict["cap_xml"])


def test_signed_by_the_trusted_certificate_is_accepted(demo, province):
    duty = User.objects.get(username="duty")
    warning = import_cap(duty, signed(province, "51000000000000_20261130080000_3"))
    assert warning.source == Warning.IMPORTED and warning.events.filter(note__contains="签名已验证").exists()


def test_one_byte_changed_is_refused(demo, province):
    xml = signed(province, "51000000000000_20261130080000_4")
    at = xml.index("省内东部暴雨".encode())
    tampered = xml[:at] + "市".encode() + xml[at + 3:]  # one character (three UTF-8 bytes) of the description
    assert len(tampered) == len(xml) and tampered != xml
    flipped = bytearray(xml)
    digit = xml.index(b"<sent>") + len(b"<sent>") + 3  # the year's last digit: 2026 → 2027
    flipped[digit] = ord("7") if flipped[digit] != ord("7") else ord("6")
    duty = User.objects.get(username="duty")
    for bad in (tampered, bytes(flipped)):
        assert "数字签名校验失败" in refusal(duty, bad)


def test_signed_by_another_certificate_is_refused(demo, province):
    stranger = _certificate("冒充者")
    reason = refusal(User.objects.get(username="duty"), signed(stranger, "51000000000000_20261130080000_5"))
    assert "数字签名校验失败" in reason and "证书不符" in reason


def test_unsigned_is_refused_once_certificates_are_trusted_unless_allowed(demo, province, settings, web):
    duty = User.objects.get(username="duty")
    unsigned = _foreign_cap(identifier="51000000000000_20261130080000_6")
    assert "未带 XML 数字签名" in refusal(duty, unsigned) and "YINGJI_CAP_ALLOW_UNSIGNED" in refusal(duty, unsigned)
    page = web("duty").post("/warnings/import/", {"text": unsigned.decode()})
    assert page.status_code == 400 and "未带 XML 数字签名" in page.content.decode()
    settings.YINGJI_CAP_ALLOW_UNSIGNED = True
    assert import_cap(duty, unsigned).source == Warning.IMPORTED


def test_unsigned_is_accepted_while_no_certificate_is_configured(demo, settings):
    settings.YINGJI_CAP_TRUSTED_CERTIFICATES = ""
    settings.YINGJI_CAP_ALLOW_UNSIGNED = None
    duty = User.objects.get(username="duty")
    assert import_cap(duty, _foreign_cap(identifier="51000000000000_20261130080000_7")).source == Warning.IMPORTED
    settings.YINGJI_CAP_ALLOW_UNSIGNED = False  # a bureau may refuse unsigned messages before it has a certificate
    assert "未带 XML 数字签名" in refusal(duty, _foreign_cap(identifier="51000000000000_20261130080000_8"))
