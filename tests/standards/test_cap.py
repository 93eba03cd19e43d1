"""CAP 1.2 with the GB/T 35965.1 profile: codes, build (XSD-valid), parse, validate, hostile input, signatures."""

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from yingji.standards import cap, levels
from yingji.standards.cap.xmlio import schema

EXAMPLES = Path(__file__).parent / "cap_examples"
BJ = cap.BEIJING
T0 = dt.datetime(2026, 7, 1, 8, 30, 5, tzinfo=BJ)
SENDER = cap.sender_code("512022", "001")
TOWNSHIP_RING = [(30.27, 105.02), (30.30, 105.05), (30.25, 105.08), (30.27, 105.02)]


def area(name="天池街道", **kw):
    kw.setdefault("geocodes", [("GB/T 2260", "512022100")])
    return cap.Area(name, **kw)


def info(level=2, code="11B03", **kw):
    kw.setdefault("areas", [area(polygons=[TOWNSHIP_RING])])
    kw.setdefault("onset", T0)
    kw.setdefault("expires", T0 + dt.timedelta(hours=24))
    kw.setdefault("headline", "乐至县应急管理局发布暴雨橙色预警")
    kw.setdefault("instruction", "1.政府及相关部门按照职责做好防暴雨应急工作。")
    return cap.Info(event="暴雨", level=level, event_codes=[(cap.EVENT_CODE_NAME, code)],
                    description="预计未来 3 小时……", sender_name="乐至县应急管理局", **kw)


def alert(n=0, when=T0, **kw):
    kw.setdefault("infos", [info()])
    return cap.Alert(identifier=cap.identifier(SENDER, when, n), sender=SENDER, sent=when, **kw)


def xsd_valid(xml: bytes) -> bool:
    return schema().validate(etree.fromstring(xml))


def tags(element) -> list[str]:
    return [etree.QName(child).localname for child in element]


# ---- sender code and identifier (附录A A.1.1, A.1.2) ------------------------------------------------------------

@pytest.mark.parametrize("region", ["512022", "512022100", "512022100201"])
def test_sender_code_takes_the_first_six_digits(region):
    assert cap.sender_code(region, "123", "045", "06") == "51202212304506"
    assert len(cap.sender_code(region)) == 14


@pytest.mark.parametrize("region", ["51202", "5120221", "51202210", "5120221002", "5120221002011", "51202A",
                                    "５１２０２２", "", "000000"])
def test_sender_code_refuses_bad_region_codes(region):
    with pytest.raises(ValueError, match="行政区划代码"):
        cap.sender_code(region)


@pytest.mark.parametrize(("kw", "field"), [({"institution": "01"}, "DDD"), ({"institution": "0001"}, "DDD"),
                                           ({"unit": "1a0"}, "UUU"), ({"ext": "000"}, "XX"), ({"ext": "1"}, "XX")])
def test_sender_code_refuses_bad_parts(kw, field):
    with pytest.raises(ValueError, match=field):
        cap.sender_code("512022", **kw)


def test_identifier_boundaries_of_n():
    assert cap.identifier(SENDER, T0, 0) == f"{SENDER}_20260701083005_0"
    assert cap.identifier(SENDER, T0, 9).endswith("_9")
    for n in (10, -1, True, "1", 1.0):
        with pytest.raises(ValueError, match="序号"):
            cap.identifier(SENDER, T0, n)


def test_identifier_is_31_characters_in_beijing_time():
    utc = dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC)
    text = cap.identifier(SENDER, utc, 3)
    assert len(text) == 31 == cap.profile.IDENTIFIER_LENGTH
    assert text == f"{SENDER}_20260701075959_3"  # 23:59:59 UTC is the next morning in Beijing
    with pytest.raises(ValueError, match="时区"):
        cap.identifier(SENDER, dt.datetime(2026, 7, 1, 8, 0), 0)
    with pytest.raises(ValueError, match="14 位"):
        cap.identifier("5120220010000", T0, 0)


def test_parse_identifier_returns_the_parts_and_refuses_bad_ones():
    parts = cap.parse_identifier(cap.identifier(SENDER, T0, 7))
    assert (parts.sender_code, parts.region_code, parts.institution, parts.unit, parts.ext, parts.n) == \
        (SENDER, "512022", "001", "000", "00", 7)
    assert parts.when == T0
    good = f"{SENDER}_20260701083005_0"
    for bad, reason in [(good[:-1], "31 个字符"), (good + "0", "31 个字符"), (good.replace("_", "-"), "14 位"),
                        (f"{SENDER}_20260230083005_0", "有效的日期"), (f"{SENDER}_2026070108300a_0", "14 位")]:
        with pytest.raises(ValueError, match=reason):
            cap.parse_identifier(bad)


# ---- level → urgency / severity / certainty ----------------------------------------------------------------------

def test_level_profile_follows_the_colours_and_ranks_severity():
    profiles = [cap.level_profile(n) for n in (1, 2, 3, 4)]
    assert [p.colour for p in profiles] == ["红色", "橙色", "黄色", "蓝色"]
    assert [p.colour for p in profiles] == [levels.by_level(n).colour for n in (1, 2, 3, 4)]
    assert [p.roman for p in profiles] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]
    assert [p.severity for p in profiles] == ["Extreme", "Severe", "Moderate", "Minor"]
    assert [p.urgency for p in profiles] == ["Immediate", "Immediate", "Expected", "Expected"]
    assert {p.certainty for p in profiles} == {"Likely"}
    assert [cap.level_from_severity(p.severity) for p in profiles] == [1, 2, 3, 4]
    assert cap.level_from_severity("Unknown") is None
    for bad in (0, 5, True):
        with pytest.raises(ValueError, match="预警级别"):
            cap.level_profile(bad)


def test_category_for_event_codes():
    assert [cap.category_for(c) for c in ("11B03", "11A51", "11D01", "11B25", "12G01", "12D02", "13A01", "14F01")] \
        == ["Met", "Met", "Geo", "Fire", "Fire", "CBRNE", "Health", "Security"]


# ---- build -------------------------------------------------------------------------------------------------------

def built_messages():
    first = alert()
    update = alert(n=1, when=T0 + dt.timedelta(hours=1), msg_type="Update", references=[first.reference()],
                   infos=[info(level=1)])
    cancel = alert(n=0, when=T0 + dt.timedelta(hours=3), msg_type="Cancel",
                   references=[first.reference(), update.reference()], infos=[info(level=1, instruction=None)])
    several = alert(n=2, infos=[info(areas=[
        area("天池街道", polygons=[TOWNSHIP_RING], circles=[(30.28, 105.03, 5.5)],
             geocodes=[("GB/T 2260", "512022100"), ("GB/T 2260", "512022101")]),
        area("回澜镇", circles=[(30.20, 105.10, 3)], geocodes=[("GB/T 2260", "512022104")]),
        area("全县", geocodes=[("GB/T 2260", "512022")], altitude="100", ceiling="2000"),
    ], response_types=["Prepare", "Monitor"], audience="公众", effective=T0, web="https://yj.example.cn/w/1",
        contact="0832-1234567", parameters=[("持续时间", "24 小时")],
        resources=[cap.Resource("预警图标", "image/png", 1024, "https://yj.example.cn/icon.png")])])
    exercise = alert(n=3, status="Exercise", scope="Restricted", restriction="仅限乐至县应急管理局内部演练",
                     note="演练", infos=[info(level=4, code="11B16", categories=["Met"])])
    return {"alert": first, "update": update, "cancel": cancel, "several": several, "exercise": exercise}


@pytest.mark.parametrize("name", ["alert", "update", "cancel", "several", "exercise"])
def test_every_built_message_validates_against_the_xsd(name):
    xml = cap.build(built_messages()[name])
    assert xsd_valid(xml)
    assert cap.validate(xml) == []
    assert etree.QName(etree.fromstring(xml)).namespace == "urn:oasis:names:tc:emergency:cap:1.2"


@pytest.mark.parametrize("name", ["alert", "update", "cancel", "several", "exercise"])
def test_round_trip_build_parse_build_is_equal(name):
    xml = cap.build(built_messages()[name])
    again = cap.parse(xml)
    assert cap.build(again) == xml
    assert again.identifier == built_messages()[name].identifier
    assert again.infos[0].level == built_messages()[name].infos[0].level


def test_build_is_deterministic_and_writes_the_profile_fields():
    message = built_messages()["several"]
    xml = cap.build(message)
    assert xml == cap.build(built_messages()["several"])
    root = etree.fromstring(xml)
    ns = {"c": cap.NS}
    assert root.findtext("c:sent", namespaces=ns) == "2026-07-01T08:30:05+08:00"
    assert root.findtext("c:info/c:language", namespaces=ns) == "zh-CN"
    assert root.findtext("c:info/c:eventCode/c:valueName", namespaces=ns) == "GB/T 35561"
    assert root.findtext("c:info/c:eventCode/c:value", namespaces=ns) == "11B03"
    assert root.findtext("c:info/c:expires", namespaces=ns) == "2026-07-02T08:30:05+08:00"
    assert root.findtext("c:info/c:severity", namespaces=ns) == "Severe"
    level = root.find("c:info/c:parameter", namespaces=ns)
    assert (level.findtext("c:valueName", namespaces=ns), level.findtext("c:value", namespaces=ns)) == ("预警级别", "橙色")
    assert root.findtext("c:info/c:area/c:polygon", namespaces=ns) == \
        "30.27,105.02 30.3,105.05 30.25,105.08 30.27,105.02"
    assert root.findtext("c:info/c:area/c:circle", namespaces=ns) == "30.28,105.03 5.5"
    assert tags(root) == ["identifier", "sender", "sent", "status", "msgType", "scope", "info"]
    assert tags(root.find("c:info", namespaces=ns)) == [
        "language", "category", "event", "responseType", "responseType", "urgency", "severity", "certainty",
        "audience", "eventCode", "effective", "onset", "expires", "senderName", "headline", "description",
        "instruction", "web", "contact", "parameter", "parameter", "resource", "area", "area", "area"]
    assert tags(root.find("c:info/c:area", namespaces=ns)) == ["areaDesc", "polygon", "circle", "geocode", "geocode"]
    assert tags(root.find("c:info/c:resource", namespaces=ns)) == ["resourceDesc", "mimeType", "size", "uri"]


def test_references_are_sender_identifier_sent_triples_separated_by_spaces():
    cancel = built_messages()["cancel"]
    root = etree.fromstring(cap.build(cancel))
    first, update = built_messages()["alert"], built_messages()["update"]
    assert root.findtext(f"{{{cap.NS}}}references") == (
        f"{SENDER},{first.identifier},2026-07-01T08:30:05+08:00 {SENDER},{update.identifier},2026-07-01T09:30:05+08:00")
    assert tags(root)[:8] == ["identifier", "sender", "sent", "status", "msgType", "scope", "references", "info"]


def test_explicit_urgency_overrides_the_level_profile():
    root = etree.fromstring(cap.build(alert(infos=[info(level=1, certainty="Observed")])))
    assert root.findtext(f"{{{cap.NS}}}info/{{{cap.NS}}}certainty") == "Observed"
    assert root.findtext(f"{{{cap.NS}}}info/{{{cap.NS}}}severity") == "Extreme"


# ---- bad input to build -------------------------------------------------------------------------------------------

def build_errors(message) -> list[str]:
    with pytest.raises(cap.CapError) as caught:
        cap.build(message)
    assert isinstance(caught.value, ValueError)
    return caught.value.errors


def test_polygon_with_three_points_is_refused():
    errors = build_errors(alert(infos=[info(areas=[area(polygons=[TOWNSHIP_RING[1:]])])]))
    assert any("<polygon>" in e and "至少需要 4 个坐标点" in e and "实际 3 个" in e for e in errors)
    assert cap.polygon_errors(TOWNSHIP_RING) == []


def test_unclosed_polygon_is_refused():
    ring = [*TOWNSHIP_RING[:-1], (30.26, 105.01)]
    errors = build_errors(alert(infos=[info(areas=[area(polygons=[ring])])]))
    assert any("<polygon>" in e and "未闭合" in e for e in errors)


def test_bow_tie_polygon_is_refused():
    bow_tie = [(30.0, 105.0), (30.1, 105.1), (30.1, 105.0), (30.0, 105.1), (30.0, 105.0)]
    errors = build_errors(alert(infos=[info(areas=[area("回澜镇", polygons=[bow_tie])])]))
    assert any("<polygon>" in e and "自相交" in e and "回澜镇" in e for e in errors)


@pytest.mark.parametrize(("circle", "reason"), [((30.0, 105.0, -1.0), "半径"), ((91.0, 105.0, 1.0), "范围"),
                                                ((30.0, 181.0, 1.0), "范围")])
def test_bad_circles_are_refused(circle, reason):
    assert any("<circle>" in e and reason in e for e in build_errors(alert(infos=[info(areas=[area(circles=[circle])])])))


def test_decimal_coordinates_are_accepted_and_text_is_not():
    from decimal import Decimal
    ring = [(Decimal(str(lat)), Decimal(str(lon))) for lat, lon in TOWNSHIP_RING]
    xml = cap.build(alert(infos=[info(areas=[area(polygons=[ring], circles=[(Decimal("30.28"), 105.03, Decimal("5"))])])]))
    assert b"<circle>30.28,105.03 5</circle>" in xml
    assert cap.polygon_errors([("30.27", "105.02")] * 4)[0].startswith("<polygon>：每个坐标点")
    assert cap.circle_errors((30.0, 105.0, True))[0].startswith("<circle>：圆应为")


def test_expiry_before_onset_is_refused_naming_expires():
    errors = build_errors(alert(infos=[info(expires=T0 - dt.timedelta(minutes=1))]))
    assert any(e.startswith("<expires>") and "<onset>" in e for e in errors)
    errors = build_errors(alert(infos=[info(onset=None, expires=T0)]))  # equal to sent is not after it
    assert any(e.startswith("<expires>") and "<sent>" in e for e in errors)


def test_unknown_event_code_and_missing_event_code_are_refused():
    assert any("<eventCode>" in e and "11B23" in e for e in build_errors(alert(infos=[info(code="11B23")])))
    bare = dataclasses.replace(info(), event_codes=[])
    assert any("<eventCode>" in e and "GB/T 35561" in e for e in build_errors(alert(infos=[bare])))


def test_naive_time_and_wrong_identifier_are_refused():
    errors = build_errors(dataclasses.replace(alert(), sent=dt.datetime(2026, 7, 1, 8, 30)))
    assert any("时区" in e for e in errors)
    errors = build_errors(dataclasses.replace(alert(), identifier="51202299900000_20260701083005_0"))
    assert any("<identifier>" in e and "<sender>" in e for e in errors)


def test_control_characters_are_refused_naming_the_element():
    assert build_errors(alert(infos=[info(headline="暴雨\x01预警")])) == ["<headline>：含有 XML 不允许的控制字符，请删除后再发布。"]


def test_update_without_references_is_refused():
    errors = build_errors(alert(msg_type="Update"))
    assert any(e.startswith("<references>") for e in errors)


def test_profile_needs_a_chinese_info_and_a_level_or_explicit_values():
    english = dataclasses.replace(info(), language="en-US")
    assert any(e.startswith("<language>") and "zh-CN" in e for e in build_errors(alert(infos=[english])))
    assert cap.validate(cap.build(alert(infos=[info(), english]))) == []  # a second language is fine
    errors = build_errors(alert(infos=[info(level=None)]))
    assert {e.split("：")[0] for e in errors} == {"<urgency>", "<severity>", "<certainty>"}
    explicit = info(level=None, urgency="Expected", severity="Moderate", certainty="Possible")
    assert cap.parse(cap.build(alert(infos=[explicit]))).infos[0].level is None


def test_level_parameter_must_come_from_the_level():
    errors = build_errors(alert(infos=[info(parameters=[("预警级别", "红色")])]))
    assert any(e.startswith("<parameter>") for e in errors)


# ---- validate and parse: the OASIS examples, a provincial feed message, tampered and hostile messages -----------

@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("oasis_*.xml")), ids=lambda p: p.stem)
def test_oasis_specification_examples_parse_and_validate(path):
    xml = path.read_bytes()
    assert cap.validate(xml) == []
    message = cap.parse(xml)
    assert cap.validate(cap.build(message)) == []
    assert cap.build(cap.parse(cap.build(message))) == cap.build(message)


def test_oasis_examples_read_correctly():
    update = cap.parse((EXAMPLES / "oasis_a3_earthquake_update.xml").read_bytes())
    assert update.msg_type == "Update"
    assert update.references == [cap.Reference("trinet@caltech.edu", "TRI13970876.1",
                                               dt.datetime(2003, 6, 11, 20, 30, tzinfo=dt.timezone(-dt.timedelta(hours=7))))]
    assert update.infos[0].areas[0].circles == [(32.9525, -115.5527, 0.0)]
    storm = cap.parse((EXAMPLES / "oasis_a2_severe_thunderstorm.xml").read_bytes())
    assert len(storm.infos[0].areas[0].polygons[0]) == 5
    assert storm.infos[0].areas[0].geocodes[0] == ("SAME", "006109")
    assert storm.infos[0].level is None
    amber = cap.parse((EXAMPLES / "oasis_a4_amber_alert.xml").read_bytes())
    assert [i.language for i in amber.infos] == ["en-US", "es-US"]


PROVINCIAL = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>51000041600000_20250712143000_0</identifier>
  <sender>51000041600000</sender>
  <sent>2025-07-12T14:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>高温</event>
    <urgency>Immediate</urgency>
    <severity>{severity}</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>GB/T 35561</valueName><value>11B09</value></eventCode>
    <expires>2025-07-13T14:30:00+08:00</expires>
    <senderName>四川省气象台</senderName>
    <headline>四川省气象台发布高温橙色预警信号</headline>
    <parameter><valueName>预警级别</valueName><value>橙色</value></parameter>
    <area>
      <areaDesc>资阳市乐至县</areaDesc>
      <geocode><valueName>GB/T 2260</valueName><value>512022</value></geocode>
    </area>
  </info>
</alert>
"""


def test_a_provincial_feed_message_is_imported():
    """A message shaped as the provincial platform sends it (constructed: no real feed message was available)."""
    message = cap.parse(PROVINCIAL.format(severity="Severe").encode())
    assert message.sender == "51000041600000"
    assert message.infos[0].level == 2 and message.infos[0].event_code == "11B09"
    assert message.infos[0].areas[0].geocodes == [("GB/T 2260", "512022")]


def test_colour_in_severity_fails_the_xsd_with_the_reason():
    errors = cap.validate(PROVINCIAL.format(severity="Orange").encode())
    assert errors and errors[0].startswith("<severity>") and "取值不在允许的范围内" in errors[0]
    with pytest.raises(cap.CapError, match="severity"):
        cap.parse(PROVINCIAL.format(severity="Orange").encode())


def our_xml() -> str:
    return cap.build(alert()).decode()


@pytest.mark.parametrize(("change", "element"), [
    (lambda x: x.replace(f"<identifier>{cap.identifier(SENDER, T0, 0)}</identifier>\n", ""), "identifier"),
    (lambda x: x.replace("<sent>2026-07-01T08:30:05+08:00</sent>", "<sent>2026-07-01 08:30:05</sent>"), "sent"),
    (lambda x: x.replace("<sent>2026-07-01T08:30:05+08:00</sent>", "<sent>2026-07-01T08:30:05Z</sent>"), "sent"),
    (lambda x: x.replace("<urgency>Immediate</urgency>", "<urgency>Now</urgency>"), "urgency"),
    (lambda x: x.replace("<msgType>Alert</msgType>\n  <scope>Public</scope>", "<scope>Public</scope>\n  <msgType>Alert</msgType>"), "scope"),
])
def test_tampered_messages_fail_naming_the_element(change, element):
    xml = change(our_xml()).encode()
    errors = cap.validate(xml)
    assert errors and any(f"<{element}>" in e for e in errors), errors
    with pytest.raises(cap.CapError):
        cap.parse(xml)


def test_profile_checks_run_on_imported_xml():
    xml = our_xml()
    offset = xml.replace("2026-07-01T08:30:05+08:00</sent>", "2026-07-01T00:30:05+00:00</sent>")
    assert any(e.startswith("<sent>") and "+08:00" in e for e in cap.validate(offset.encode()))
    no_code = xml.replace("<value>11B03</value>", "<value>99Z99</value>")
    assert any(e.startswith("<eventCode>") and "99Z99" in e for e in cap.validate(no_code.encode()))
    bow_tie = xml.replace("30.27,105.02 30.3,105.05 30.25,105.08 30.27,105.02",
                          "30.0,105.0 30.1,105.1 30.1,105.0 30.0,105.1 30.0,105.0")
    assert any(e.startswith("<polygon>") and "自相交" in e for e in cap.validate(bow_tie.encode()))
    early = xml.replace("<expires>2026-07-02T08:30:05+08:00</expires>", "<expires>2026-07-01T08:00:00+08:00</expires>")
    assert any(e.startswith("<expires>") for e in cap.validate(early.encode()))


@pytest.mark.parametrize(("namespace", "reason"), [("urn:oasis:names:tc:emergency:cap:1.1", "CAP 1.1"),
                                                   ("urn:example:cap", "urn:example:cap")])
def test_wrong_namespace_is_refused(namespace, reason):
    xml = our_xml().replace(cap.NS, namespace).encode()
    with pytest.raises(cap.CapError, match=reason):
        cap.parse(xml)
    assert "只接受 CAP 1.2" in cap.validate(xml)[0]
    no_namespace = our_xml().replace(f' xmlns="{cap.NS}"', "").encode()
    assert "无命名空间" in cap.validate(no_namespace)[0]


def test_xxe_and_entity_expansion_are_refused():
    xxe = our_xml().replace("<?xml version='1.0' encoding='UTF-8'?>",
                            '<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    xxe = xxe.replace("<note>", "").replace("<scope>Public</scope>", "<scope>Public</scope><note>&x;</note>")
    laughs = ('<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
              f'<alert xmlns="{cap.NS}"><identifier>&c;</identifier></alert>')
    for hostile in (xxe, laughs):
        with pytest.raises(cap.CapError, match="DOCTYPE"):
            cap.parse(hostile.encode())
        assert "root:" not in " ".join(cap.validate(hostile.encode()))


@pytest.mark.parametrize(("data", "reason"), [(b"", "为空"), (b"<alert", "XML 格式错误"), (b"not xml", "XML 格式错误"),
                                              (b"<a/>" + b" " * (3 * 1024 * 1024), "过大")])
def test_bad_xml_is_refused_with_the_reason(data, reason):
    with pytest.raises(cap.CapError, match=reason):
        cap.parse(data)
    assert reason in cap.validate(data)[0]


# ---- XML-DSig -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def signer():
    signxml = pytest.importorskip("signxml")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    def make(name):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
        return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()), cert.public_bytes(serialization.Encoding.PEM))

    ours, other = make("四川省预警信息发布中心"), make("someone else")

    def sign(xml: bytes) -> bytes:
        signed = signxml.XMLSigner(method=signxml.methods.enveloped).sign(etree.fromstring(xml), key=ours[0],
                                                                           cert=ours[1])
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")

    return sign, ours[1], other[1]


def test_signed_message_is_verified(signer):
    sign, cert, other = signer
    xml = sign(cap.build(alert()))
    assert b"<ds:Signature" in xml and xsd_valid(xml) and cap.validate(xml) == []
    message = cap.parse(xml, certificates=[other, cert])
    assert message.signed and message.identifier == alert().identifier
    assert not cap.parse(cap.build(alert())).signed


def test_broken_or_unverifiable_signatures_are_refused(signer):
    sign, cert, other = signer
    xml = sign(cap.build(alert()))
    with pytest.raises(cap.CapError, match="未配置该发送方的可信证书"):
        cap.parse(xml)
    with pytest.raises(cap.CapError, match="签名校验失败"):
        cap.parse(xml, certificates=[other])
    tampered = xml.replace("暴雨橙色预警".encode(), "暴雨蓝色预警".encode())
    assert tampered != xml
    with pytest.raises(cap.CapError, match="签名校验失败"):
        cap.parse(tampered, certificates=[cert])
