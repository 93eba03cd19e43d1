"""Demo warnings for 乐至县: villages under every township (three each; names and positions are demo values placed
around the township's estimated centre, marked approximate; 天池街道 and 回澜镇, the demo users' townships, stay
leaves of the tree and register their people at the township), a loudspeaker terminal per village, about 2,100
recipients (residents, 网格员, 灾害信息员, village cadres; deterministic, positions inside their village for most, the
rest placed by their village only; mobile numbers in the demo range 1990000xxxx, not real subscribers), the county's
templates from the national signals' 防御指南, and warnings through the real services:

- a published 暴雨橙色预警 for 蟠龙镇、龙门镇、劳动镇 (duty officer drafts, commander reviews, leader signs), with its
  deliveries;
- an expired 高温黄色预警 (published yesterday, ended by the expiry run);
- a 大风蓝色预警 cancelled by the leader (its Cancel message is published too);
- 回澜镇's own 地质灾害 warning over a drawn area around its seat (a township's record for the scoping battery);
- a 暴雨红色预警 waiting for review;
- webhook subscribers (the county's, and one each in 天池街道 and 回澜镇) whose deliveries are simulated too.

No SMS gateway, mail server or broker is configured in the demo, so the deliveries' outcomes are simulated
(deterministic: most sent with a demo receipt, a few failed with a carrier's reason); the warning's history says so.
Loading again changes nothing: everything is found by its code, name or headline."""

from datetime import timedelta

import numpy as np
import shapely
from django.utils import timezone
from shapely.geometry import shape

from yingji.core import services as core_services
from yingji.core.models import Region, User
from yingji.standards import warning_signals

from .models import Delivery, LoudspeakerTerminal, Recipient, Warning, WarningTemplate
from .services import lifecycle
from .services import recipients as register
from .services.history import add_event

COUNTY = "512022"
VILLAGE_NAMES = ["石桥村", "新华村", "红光村", "青龙村", "白鹤村", "金山村", "双堰村", "永兴村", "高峰村", "大河村",
                 "桂花村", "龙井村", "观音村", "复兴村", "太平村", "三合村", "五星村", "光明村", "万安村", "凤凰村",
                 "长林村", "柏树村", "回龙村", "松林村", "天宝村", "玉泉村", "宝塔村", "黄桷村", "平安村", "杨柳村"]
COMMUNITY_NAMES = ["东街社区", "南街社区", "北街社区", "西街社区", "滨河社区", "文化社区"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "建国秀英桂兰志强海燕德明玉兰国华文静红梅春花永福丽华世平小军淑珍金凤家富明亮长青晓燕天明学文"
PER_VILLAGE = 33
SIMULATED = "演示数据：未配置短信网关、邮件服务器和广播平台，送达结果为模拟"


# The demo users' townships (天池街道 "township", 回澜镇 "township2") get no village rows: the core tests see these
# two as leaves of the tree. Their people and loudspeakers are registered at the township, placed around it.
FLAT = ("512022001", "512022102")


def _spots(log) -> list[tuple[Region, float, float, str]]:
    """(region, lon, lat, name) of each place people live: three villages per township (demo names and positions
    around the township's estimated centre), or three spots of the township itself for the two FLAT ones."""
    townships = list(Region.objects.filter(parent__code=COUNTY, level="township").order_by("code"))
    outline = _outline()
    found, index, created = [], 0, 0
    for township in townships:
        street = township.name.endswith("街道")
        for j in range(3):
            angle = 2 * np.pi * (j / 3 + (int(township.code[-3:]) % 7) / 21)
            for scale in (1.0, 0.6, 0.3, 0.0):  # near the county's edge: pulled towards the township's centre
                lon = round(float(township.longitude + scale * 0.012 * np.cos(angle)), 5)
                lat = round(float(township.latitude + scale * 0.010 * np.sin(angle)), 5)
                if outline is None or shapely.contains_xy(outline, lon, lat):
                    break
            if township.code in FLAT:
                found.append((township, lon, lat, f"{township.name}{'一二三'[j]}片区"))
                continue
            name = COMMUNITY_NAMES[j] if street else VILLAGE_NAMES[index % len(VILLAGE_NAMES)]
            index += 0 if street else 1
            code = f"{township.code}{(31 + j if street else 231 + j):03d}"  # clear of codes tests make
            region = Region.objects.filter(code=code).first() or Region.objects.filter(parent=township, name=name).first()
            if region is None:
                created += 1
                region = core_services.save_region(None, Region(), {
                    "parent": township, "name": name, "code": code, "level": "village", "kind": "division",
                    "longitude": lon, "latitude": lat, "approximate": True, "is_demo": True})
            found.append((region, region.longitude, region.latitude, f"{township.name}{region.name}"))
    villages = sum(1 for region, *_ in found if region.level == "village")
    log(f"演示村（社区）{villages} 个（名称与坐标为演示值；天池街道、回澜镇按乡镇登记）")
    return found


def _outline():
    """The county's outline (prepared), so that no demo place falls outside it; None without one."""
    county = Region.objects.get(code=COUNTY)
    if not county.boundary:
        return None
    outline = shape(county.boundary)
    shapely.prepare(outline)
    return outline


def _terminals(spots):
    for number, (region, lon, lat, name) in enumerate(spots):
        code = f"LZ-GB-{region.code}" if region.level == "village" else f"LZ-GB-{region.code}-{number % 3 + 1}"
        if not LoudspeakerTerminal.objects.filter(code=code).exists():
            register.save_terminal(None, LoudspeakerTerminal(), {
                "code": code, "name": f"{name}应急广播", "region": region, "longitude": lon, "latitude": lat,
                "is_demo": True})


def _recipients(spots) -> int:
    if Recipient.objects.filter(is_demo=True).exists():
        return Recipient.objects.filter(is_demo=True).count()
    rng = np.random.default_rng(20261130)
    outline = _outline()
    people, serial = [], 0
    for region, spot_lon, spot_lat, _ in spots:
        for k in range(PER_VILLAGE):
            serial += 1
            kind = {0: "grid", 1: "informant", 2: "cadre"}.get(k, "resident")
            name = SURNAMES[int(rng.integers(len(SURNAMES)))] + GIVEN[int(rng.integers(len(GIVEN) // 2)) * 2:][:2]
            placed = kind != "resident" or bool(rng.random() < 0.85)  # the rest only by their village
            lon = round(float(spot_lon + rng.uniform(-0.006, 0.006)), 6) if placed else None
            lat = round(float(spot_lat + rng.uniform(-0.005, 0.005)), 6) if placed else None
            if placed and outline is not None and not shapely.contains_xy(outline, lon, lat):
                lon, lat = spot_lon, spot_lat  # a jitter across the county's edge: at the village itself
            people.append(Recipient(region=region, name=name, kind=kind, phone=f"1990000{serial:04d}",
                                    email=f"demo{serial:04d}@example.com" if kind != "resident" else "",
                                    longitude=lon, latitude=lat, is_demo=True))
    return register.create_recipients(None, people)


def _templates(county):
    for code, levels, name in (("11B03", (1, 2, 3, 4), "暴雨"), ("11B09", (1, 2, 3), "高温"),
                               ("11B06", (1, 2, 3, 4), "大风")):
        for level in levels:
            colour = {1: "红色", 2: "橙色", 3: "黄色", 4: "蓝色"}[level]
            found = warning_signals.template(code, level)
            title = f"{name}{colour}预警"
            if WarningTemplate.objects.filter(region=county, name=title).exists():
                continue
            register.save_template(None, WarningTemplate(), {
                "region": county, "name": title, "event_code": code, "level": level,
                "headline_pattern": "{region}应急管理局发布" + title,
                "description": warning_signals.criteria(code, level) or "", "instruction": found[1] if found else "",
                "is_demo": True})


DEMO_SUBSCRIBERS = [  # (region code, name, URL, event codes, levels): other systems' addresses are demo values
    ("512022", "资阳市应急指挥平台", "https://yjpt.example.gov.cn/hooks/yingji", [], []),
    ("512022", "乐至县融媒体中心", "https://media.example.cn/api/warnings?token=demo", ["11B00"], [1, 2]),
    ("512022001", "天池街道网格管理平台", "http://wg-tianchi.example.cn/hook", [], []),
    ("512022102", "回澜镇值班群机器人", "https://bot.example.cn/huilan", ["11000"], []),
]


def _subscribers():
    """The webhook register: the county's subscribers and one each for the demo users' townships (the scoping
    battery needs a record on both sides)."""
    from .models import WebhookSubscriber
    from .services import webhooks

    for code, name, url, codes, levels in DEMO_SUBSCRIBERS:
        region = Region.objects.get(code=code)
        if not WebhookSubscriber.objects.filter(region=region, name=name).exists():
            webhooks.save_subscriber(None, WebhookSubscriber(), {
                "region": region, "name": name, "url": url, "event_codes": codes, "levels": levels,
                "remark": "演示数据：地址为示例，不会真正推送", "is_demo": True})


def _guide(code: str, level: int, fallback: str) -> str:
    """The national signal's 防御指南 where it was transcribed, else the demo's own text."""
    found = warning_signals.template(code, level)
    return found[1] if found else fallback


def _simulate(warning: Warning):
    """Deterministic outcomes for the demo's deliveries (no channel is configured in the demo)."""
    now = timezone.now()
    rows = list(Delivery.objects.filter(warning=warning, state=Delivery.QUEUED).order_by("id"))
    for index, row in enumerate(rows):
        row.attempts = 1
        if row.channel == Delivery.SMS and index % 37 == 5:
            row.state, row.error, row.attempts = Delivery.FAILED, f"{row.address} 已停机（运营商回报）", 1
            row.report_status, row.reported_at = "UNDELIV", now
        elif row.channel == Delivery.LOUDSPEAKER and index % 29 == 3:
            row.state, row.error, row.attempts = Delivery.FAILED, f"终端 {row.address} 在 30 秒内未应答", 3
        else:
            row.state, row.sent_at = Delivery.SENT, now
            row.receipt = f"DEMO-{warning.pk}-{row.pk}"
            if row.channel in (Delivery.SMS, Delivery.LOUDSPEAKER):
                row.state, row.delivered_at = Delivery.DELIVERED, now
            if row.channel == Delivery.SMS:  # the gateway's delivery report (状态报告)
                row.report_status, row.reported_at = "DELIVRD", now
    Delivery.objects.bulk_update(rows, ["state", "error", "attempts", "sent_at", "receipt", "delivered_at",
                                        "report_status", "reported_at"], batch_size=2000)
    if rows:
        add_event(warning, "delivered", None, note=f"{SIMULATED}（{len(rows)} 条）")


def _areas(desc, *codes):
    return [{"area_desc": desc, "regions": list(Region.objects.filter(code__in=codes))}]


def _issue(users, drafter, values, areas, *, now=None, signer="leader") -> Warning:
    warning = lifecycle.save_draft(users[drafter], Warning(), {**values, "is_demo": True}, areas)
    lifecycle.submit(users[drafter], warning)
    lifecycle.review(users["commander"], warning)
    warning = lifecycle.publish(users[signer], warning, now=now)
    _simulate(warning)
    return warning


def _warnings(log, users):
    now = timezone.now().replace(microsecond=0)
    done = set(Warning.objects.filter(is_demo=True).values_list("headline", flat=True))
    orange = "乐至县应急管理局发布暴雨橙色预警"
    if orange not in done:
        _issue(users, "duty", {
            "event_code": "11B03", "level": 2, "headline": orange,
            "description": "受强降雨云团影响，预计未来 3 小时蟠龙镇、龙门镇、劳动镇降雨量将达 50 毫米以上，蟠龙河水位将明显上涨。",
            "instruction": _guide("11B03", 2, ""), "onset": now, "expires": now + timedelta(hours=12),
            "channels": ["sms", "email", "loudspeaker", "webhook"]},
            _areas("蟠龙镇、龙门镇、劳动镇", "512022113", "512022117", "512022110"))
    heat = "乐至县应急管理局发布高温黄色预警"
    if heat not in done:
        yesterday = now - timedelta(days=1)
        warning = _issue(users, "duty", {
            "event_code": "11B09", "level": 3, "headline": heat,
            "description": "预计连续三天全县日最高气温将在 35℃ 以上。", "instruction": _guide("11B09", 3, ""),
            "onset": yesterday, "expires": yesterday + timedelta(hours=10), "channels": ["sms", "loudspeaker"]},
            _areas("乐至县全境", COUNTY), now=yesterday)
        lifecycle.expire_due(now)
        warning.refresh_from_db()
    wind = "乐至县应急管理局发布大风蓝色预警"
    if wind not in done:
        warning = _issue(users, "duty", {
            "event_code": "11B06", "level": 4, "headline": wind,
            "description": "预计 24 小时内石湍镇、盛池镇阵风可达 7 级以上。", "instruction": _guide("11B06", 4, "1. 做好防风准备；2. 把门窗、围板、棚架等易被风吹动的搭建物固紧，妥善安置室外物品。"),
            "onset": now, "expires": now + timedelta(hours=24), "channels": ["sms", "loudspeaker"]},
            _areas("石湍镇、盛池镇", "512022103", "512022118"))
        _simulate(lifecycle.cancel(users["leader"], warning, "冷空气移出，大风影响结束。"))
    huilan = "回澜镇人民政府发布地质灾害气象风险预警"
    if huilan not in done:
        centre = Region.objects.get(code="512022102")
        x, y = centre.longitude, centre.latitude
        ring = [[x - 0.02, y - 0.015], [x + 0.02, y - 0.015], [x + 0.02, y + 0.015], [x - 0.02, y + 0.015]]
        _issue(users, "township2", {
            "event_code": "11D00", "level": 3, "headline": huilan,
            "description": "连日降雨，回澜镇山区地质灾害隐患点发生滑坡、崩塌的风险较高。",
            "instruction": "1. 隐患点周边群众做好随时撤离准备；2. 网格员加密巡查，发现险情立即报告并组织转移。",
            "onset": now, "expires": now + timedelta(hours=48), "region": Region.objects.get(code="512022102"),
            "channels": ["sms", "loudspeaker", "webhook"]},
            [{"area_desc": "回澜镇场镇及周边山区", "regions": [],
              "polygon": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}}])
    red = "乐至县应急管理局发布暴雨红色预警"
    if red not in done:
        warning = lifecycle.save_draft(users["duty"], Warning(), {
            "event_code": "11B03", "level": 1, "headline": red, "is_demo": True,
            "description": "预计未来 3 小时石湍镇、回澜镇降雨量将达 100 毫米以上。",
            "instruction": _guide("11B03", 1, ""), "onset": now, "expires": now + timedelta(hours=6),
            "channels": ["sms", "email", "loudspeaker"]}, _areas("石湍镇、回澜镇", "512022103", "512022102"))
        lifecycle.submit(users["duty"], warning)
    demo = Warning.objects.filter(is_demo=True)
    log(f"预警信息 {demo.count()} 条（已发布 {demo.filter(state=Warning.PUBLISHED).count()} 条），"
        f"送达记录 {Delivery.objects.filter(warning__is_demo=True).count()} 条")


def load(log):
    county = Region.objects.get(code=COUNTY)
    users = {u.username: u for u in User.objects.filter(username__in=["duty", "commander", "leader", "township2"])}
    spots = _spots(log)
    _terminals(spots)
    count = _recipients(spots)
    _templates(county)
    _subscribers()
    log(f"预警接收人 {count} 人，应急广播终端 {LoudspeakerTerminal.objects.filter(is_demo=True).count()} 个")
    _warnings(log, users)
