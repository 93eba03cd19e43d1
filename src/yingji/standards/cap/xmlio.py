"""CAP 1.2 XML: build (model → bytes), parse (bytes → model, for imports), validate (XSD + checks).

Parsing is hardened: no DTD, no entities (XXE, billion laughs), no network, no huge trees, a size cap.
An enveloped XML-DSig <Signature> is verified with signxml against the sender certificates the caller trusts;
a signed message that cannot be verified is refused.
"""

import dataclasses
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .checks import check, level_of
from .model import Alert, Area, Info, Reference, Resource
from .profile import LEVEL_PARAMETER, format_time, level_profile

NS = "urn:oasis:names:tc:emergency:cap:1.2"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
OLD_NAMESPACES = {"urn:oasis:names:tc:emergency:cap:1.1": "CAP 1.1", "http://www.incident.com/cap/1.0": "CAP 1.0"}
XSD = Path(__file__).parent.parent / "data" / "cap" / "CAP-v1.2.xsd"
MAX_BYTES = 2 * 1024 * 1024
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")


class CapError(ValueError):
    """A message that cannot be built or accepted; ``errors`` lists every reason (Chinese, naming the element)."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("；".join(self.errors))


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD), _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_blank_text=False)


# ---- build ----------------------------------------------------------------------------------------------------

def _number(value: float) -> str:
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _polygon_text(ring) -> str:
    return " ".join(f"{_number(lat)},{_number(lon)}" for lat, lon in ring)


def _references_text(references: list[Reference]) -> str:
    return " ".join(f"{r.sender},{r.identifier},{format_time(r.sent, '<references> 中的时间')}" for r in references)


def _resolved(info: Info) -> Info:
    """Urgency/severity/certainty filled from the level where the caller left them out."""
    if info.level is None or info.level not in (1, 2, 3, 4):
        return info
    profile = level_profile(info.level)
    return dataclasses.replace(info, urgency=info.urgency or profile.urgency,
                               severity=info.severity or profile.severity,
                               certainty=info.certainty or profile.certainty)


def _add(parent, tag: str, text=None):
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        try:
            element.text = str(text)
        except ValueError:  # control characters or NUL, which XML 1.0 cannot carry
            raise CapError([f"<{tag}>：含有 XML 不允许的控制字符，请删除后再发布。"]) from None
    return element


def _add_optional(parent, tag: str, text) -> None:
    if text is not None and text != "":
        _add(parent, tag, text)


def _add_pairs(parent, tag: str, pairs) -> None:
    for name, value in pairs:
        element = _add(parent, tag)
        _add(element, "valueName", name)
        _add(element, "value", value)


def _build_area(parent, area: Area) -> None:
    element = _add(parent, "area")
    _add(element, "areaDesc", area.desc)
    for ring in area.polygons:
        _add(element, "polygon", _polygon_text(ring))
    for lat, lon, radius in area.circles:
        _add(element, "circle", f"{_number(lat)},{_number(lon)} {_number(radius)}")
    _add_pairs(element, "geocode", area.geocodes)
    _add_optional(element, "altitude", area.altitude)
    _add_optional(element, "ceiling", area.ceiling)


def _build_info(parent, info: Info) -> None:
    element = _add(parent, "info")
    _add(element, "language", info.language)
    for category in info.categories:
        _add(element, "category", category)
    _add(element, "event", info.event)
    for response in info.response_types:
        _add(element, "responseType", response)
    _add(element, "urgency", info.urgency)
    _add(element, "severity", info.severity)
    _add(element, "certainty", info.certainty)
    _add_optional(element, "audience", info.audience)
    _add_pairs(element, "eventCode", info.event_codes)
    for tag in ("effective", "onset", "expires"):
        value = getattr(info, tag)
        if value is not None:
            _add(element, tag, format_time(value, f"<{tag}>"))
    for tag, value in (("senderName", info.sender_name), ("headline", info.headline),
                       ("description", info.description), ("instruction", info.instruction),
                       ("web", info.web), ("contact", info.contact)):
        _add_optional(element, tag, value)
    level = [(LEVEL_PARAMETER, level_profile(info.level).colour)] if info.level in (1, 2, 3, 4) else []
    _add_pairs(element, "parameter", level + list(info.parameters))
    for resource in info.resources:
        item = _add(element, "resource")
        _add(item, "resourceDesc", resource.desc)
        _add(item, "mimeType", resource.mime_type)
        for tag, value in (("size", resource.size), ("uri", resource.uri), ("derefUri", resource.deref_uri),
                           ("digest", resource.digest)):
            _add_optional(item, tag, value)
    for area in info.areas:
        _build_area(element, area)


def build(alert: Alert) -> bytes:
    """The CAP 1.2 XML of a message, UTF-8, element order as the XSD requires, times in +08:00.

    Raises CapError listing every problem (checks.check, then the XSD) instead of producing a bad message.
    """
    try:
        resolved = dataclasses.replace(alert, infos=[_resolved(i) for i in alert.infos])
        errors = check(resolved)
        if errors:
            raise CapError(errors)
        root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
        for tag, value in (("identifier", alert.identifier), ("sender", alert.sender),
                           ("sent", format_time(alert.sent, "<sent>")), ("status", alert.status),
                           ("msgType", alert.msg_type)):
            _add(root, tag, value)
        _add_optional(root, "source", alert.source)
        _add(root, "scope", alert.scope)
        _add_optional(root, "restriction", alert.restriction)
        _add_optional(root, "addresses", alert.addresses)
        for code in alert.codes:
            _add(root, "code", code)
        _add_optional(root, "note", alert.note)
        if alert.references:
            _add(root, "references", _references_text(alert.references))
        _add_optional(root, "incidents", alert.incidents)
        for info in resolved.infos:
            _build_info(root, info)
    except CapError:
        raise
    except ValueError as exc:  # a time without zone, a bad level …
        raise CapError([str(exc)]) from None
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    errors = xsd_errors(root)
    if errors:
        raise CapError(errors)
    return data


# ---- reading ----------------------------------------------------------------------------------------------------

def _load(xml) -> etree._Element:
    """Parse untrusted bytes safely, or raise CapError with the reason."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    if not isinstance(xml, (bytes, bytearray)) or not xml.strip():
        raise CapError(["消息为空：没有 XML 内容。"])
    if len(xml) > MAX_BYTES:
        raise CapError([f"消息过大：{len(xml)} 字节，上限 {MAX_BYTES} 字节。"])
    try:
        tree = etree.fromstring(bytes(xml), _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise CapError([f"XML 格式错误（第 {exc.lineno} 行）：{exc.msg}"]) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CapError(["消息含 DOCTYPE/实体声明：为防止外部实体（XXE）和实体膨胀攻击，拒收。"])
    root = tree.getroot()
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise CapError(["消息含实体引用：拒收。"])
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "alert" or namespace != NS:
        found = OLD_NAMESPACES.get(namespace, namespace or "无命名空间")
        raise CapError([f"根元素 <{etree.QName(root).localname}> 的命名空间为“{found}”：只接受 CAP 1.2（{NS}）的 <alert>。"])
    return root


_XSD_PATTERNS = [
    (re.compile(r"Missing child element\(s\)\. Expected is(?: one of)? \( (.+) \)"), "缺少子元素 {0}"),
    (re.compile(r"is not an element of the set \{(.+)\}"), "取值不在允许的范围内（{0}）"),
    (re.compile(r"is not a valid value of the atomic type '?xs:(\w+)"), "不是有效的 {0} 值"),
    (re.compile(r"Character content other than whitespace is not allowed"), "不应含有文本"),
]
_TIME_ELEMENTS = ("sent", "effective", "onset", "expires")
_UNEXPECTED = re.compile(r"This element is not expected\.(?: Expected is(?: one of)? \( (.+) \))?")


def _xsd_message(error) -> str:
    text = error.message.replace(f"{{{NS}}}", "")
    tag = re.search(r"Element '(?:\{[^}]*\})?(\w+)'", error.message)
    name = tag.group(1) if tag else (error.path.rsplit("/", 1)[-1].split(":")[-1].split("[")[0] or "alert")
    unexpected = _UNEXPECTED.search(text)
    if unexpected:
        expected = [e.strip() for e in (unexpected.group(1) or "").split(",") if e.strip()]
        if len(expected) == 1:  # name what is missing or out of order, not its neighbour
            return f"<{expected[0]}>（第 {error.line} 行）：缺少该元素或顺序不对（此处出现的是 <{name}>）。"
        wanted = "、".join(f"<{e}>" for e in expected) or "其他元素"
        return f"<{name}>（第 {error.line} 行）：此处不应出现该元素（名称或顺序不符合 CAP 1.2），应为 {wanted}。"
    if name in _TIME_ELEMENTS and ("pattern" in text or "atomic type" in text):
        return f"<{name}>（第 {error.line} 行）：时间格式应为 YYYY-MM-DDThh:mm:ss±hh:mm（如 2026-07-01T08:30:05+08:00）。"
    for pattern, chinese in _XSD_PATTERNS:
        match = pattern.search(text)
        if match:
            return f"<{name}>（第 {error.line} 行）：{chinese.format(*match.groups())}。"
    return f"<{name}>（第 {error.line} 行）：不符合 CAP 1.2 XSD（{text}）。"


def xsd_errors(root) -> list[str]:
    xsd = schema()
    if xsd.validate(root):
        return []
    return [_xsd_message(error) for error in xsd.error_log]


def _text(element, tag: str) -> str | None:
    found = element.find(f"{{{NS}}}{tag}")
    return None if found is None else (found.text or "").strip()


def _texts(element, tag: str) -> list[str]:
    return [(e.text or "").strip() for e in element.findall(f"{{{NS}}}{tag}")]


def _time(text: str | None, element: str) -> datetime | None:
    if text is None:
        return None
    if not TIME.match(text):
        raise CapError([f"<{element}>“{text}”：时间格式应为 YYYY-MM-DDThh:mm:ss±hh:mm。"])
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise CapError([f"<{element}>“{text}”：不是有效的日期时间。"]) from None


def _pairs(element, tag: str) -> list[tuple[str, str]]:
    return [(_text(e, "valueName") or "", _text(e, "value") or "") for e in element.findall(f"{{{NS}}}{tag}")]


def _point(text: str, element: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise CapError([f"<{element}>：坐标点“{text}”应为“纬度,经度”。"]) from None
    return lat, lon


def _circle(text: str) -> tuple[float, float, float]:
    parts = text.split()
    if len(parts) != 2:
        raise CapError([f"<circle>“{text}”：应为“纬度,经度 半径(km)”。"])
    try:
        radius = float(parts[1])
    except ValueError:
        raise CapError([f"<circle>“{text}”：半径“{parts[1]}”不是数。"]) from None
    return (*_point(parts[0], "circle"), radius)


def _references(text: str | None) -> list[Reference]:
    refs = []
    for item in (text or "").split():
        parts = item.split(",")
        if len(parts) != 3:
            raise CapError([f"<references>：“{item}”应为“发送方,标识,发送时间”三段，以逗号分隔。"])
        refs.append(Reference(parts[0], parts[1], _time(parts[2], "references")))
    return refs


def _area(element) -> Area:
    return Area(desc=_text(element, "areaDesc") or "",
                polygons=[[_point(p, "polygon") for p in text.split()] for text in _texts(element, "polygon")],
                circles=[_circle(text) for text in _texts(element, "circle")],
                geocodes=_pairs(element, "geocode"),
                altitude=_text(element, "altitude"), ceiling=_text(element, "ceiling"))


def _info(element) -> Info:
    parameters = _pairs(element, "parameter")
    try:
        level = level_of(parameters)
    except ValueError as exc:
        raise CapError([str(exc)]) from None
    resources = [Resource(desc=_text(r, "resourceDesc") or "", mime_type=_text(r, "mimeType") or "",
                          size=int(_text(r, "size")) if _text(r, "size") is not None else None,
                          uri=_text(r, "uri"), deref_uri=_text(r, "derefUri"), digest=_text(r, "digest"))
                 for r in element.findall(f"{{{NS}}}resource")]
    return Info(
        event=_text(element, "event") or "", categories=_texts(element, "category"), level=level,
        urgency=_text(element, "urgency"), severity=_text(element, "severity"), certainty=_text(element, "certainty"),
        language=_text(element, "language") or "en-US", response_types=_texts(element, "responseType"),
        audience=_text(element, "audience"), event_codes=_pairs(element, "eventCode"),
        effective=_time(_text(element, "effective"), "effective"), onset=_time(_text(element, "onset"), "onset"),
        expires=_time(_text(element, "expires"), "expires"), sender_name=_text(element, "senderName"),
        headline=_text(element, "headline"), description=_text(element, "description"),
        instruction=_text(element, "instruction"), web=_text(element, "web"), contact=_text(element, "contact"),
        parameters=[p for p in parameters if p[0] != LEVEL_PARAMETER], resources=resources,
        areas=[_area(a) for a in element.findall(f"{{{NS}}}area")])


def _to_model(root) -> Alert:
    return Alert(
        identifier=_text(root, "identifier") or "", sender=_text(root, "sender") or "",
        sent=_time(_text(root, "sent"), "sent"), status=_text(root, "status"), msg_type=_text(root, "msgType"),
        scope=_text(root, "scope"), source=_text(root, "source"), restriction=_text(root, "restriction"),
        addresses=_text(root, "addresses"), codes=_texts(root, "code"), note=_text(root, "note"),
        references=_references(_text(root, "references")), incidents=_text(root, "incidents"),
        infos=[_info(i) for i in root.findall(f"{{{NS}}}info")])


def _signatures(root) -> list:
    return root.findall(f"{{{DSIG_NS}}}Signature")


def _verify(xml: bytes, root, certificates) -> etree._Element:
    """The signed content of an enveloped XML-DSig signature, verified against one of the certificates."""
    if len(_signatures(root)) > 1:
        raise CapError(["<Signature>：消息含多个签名，无法确定签名范围，拒收。"])
    if not certificates:
        raise CapError(["<Signature>：消息带有 XML 数字签名，但未配置该发送方的可信证书，无法校验，拒收。"])
    try:
        from signxml import XMLVerifier
        from signxml.exceptions import InvalidInput, InvalidSignature
    except ImportError:
        raise CapError(["<Signature>：消息带有 XML 数字签名，但本系统未安装签名校验库 signxml，无法校验，拒收。"]) from None
    reasons = []
    for cert in certificates:
        try:
            result = XMLVerifier().verify(xml, x509_cert=cert, ignore_ambiguous_key_info=True)
        except (InvalidSignature, InvalidInput) as exc:
            reasons.append(str(exc))
            continue
        except Exception as exc:  # a malformed certificate or signature block: a reason, not a crash
            reasons.append(f"{type(exc).__name__}: {exc}")
            continue
        signed = result.signed_xml
        if signed is None or etree.QName(signed).localname != "alert":
            reasons.append("签名未覆盖整个 <alert>")
            continue
        return signed
    raise CapError([f"<Signature>：数字签名校验失败，消息可能被篡改或证书不符（{'; '.join(reasons)}）。"])


def parse(xml: bytes, *, certificates=()) -> Alert:
    """Import an external CAP 1.2 message: safe parsing, XSD, signature (if any), then the checks.

    ``certificates``: PEM certificates of senders whose signatures are trusted. Raises CapError with every reason.
    """
    root = _load(xml)
    errors = xsd_errors(root)
    if errors:
        raise CapError(errors)
    signed = bool(_signatures(root))
    if signed:
        root = _verify(bytes(xml) if not isinstance(xml, str) else xml.encode("utf-8"), root, certificates)
    alert = _to_model(root)
    errors = check(alert)
    if errors:
        raise CapError(errors)
    alert.signed = signed
    return alert


def validate(xml: bytes) -> list[str]:
    """Every problem of a message (empty list = valid): XML safety, XSD, then the CAP and profile checks.

    A signature is detected but not verified here (there are no certificates); parse() verifies it.
    """
    try:
        root = _load(xml)
        errors = xsd_errors(root)
        if errors:
            return errors
        return check(_to_model(root))
    except CapError as exc:
        return exc.errors
