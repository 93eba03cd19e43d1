"""Demo plans of 乐至县: the county general plan the seeds name (《乐至县突发事件总体应急预案（试行）》),
the four special plans of the hazards the seeds list (防汛抗旱、地质灾害、森林防灭火、危险化学品), and
one township plan. Each has Ⅰ–Ⅳ levels with criteria and tasks; a higher level keeps the tasks of the
level below and adds its own, so escalation adds tasks and de-escalation revokes them.

Tasks that a system event shows done (the 首报 issued, the unit on scene) name it and complete
themselves. Time limits follow the seeds where they give one: 首报 within 30 minutes by phone and 1 hour in
writing, basic relief for people affected within 6 hours, general trunk roads reopened within 6
hours, emergency surveying and satellite images of the area within 4 hours (seed 002).
"""

from datetime import date

from yingji.core.models import Organisation, Region

from . import services
from .models import Plan, ResponseLevel, TaskTemplate

LOCAL = "事发地"  # the township (street) government where the incident is
# A task's optional 4th item: the system event that completes it (incidents.signals.EVENT_CHOICES).
FIRST_REPORT, ARRIVED = "initial_report_issued", "unit_arrived"
GOV, EMA, FIRE, RESCUE = "乐至县人民政府", "乐至县应急管理局", "乐至县消防救援大队", "乐至县综合应急救援大队"
LAND, WATER, TRANSPORT, MET, PAD = ("乐至县自然资源和规划局", "乐至县水务局", "乐至县交通运输局", "乐至县气象局",
                                    "乐至县人民武装部")


def _criteria(grade, deaths, injured, people, colour=""):
    return {"min_grade": grade, "min_deaths": deaths, "min_injured": injured, "min_people_affected": people,
            "warning_colour": colour}


# --- 总体应急预案 -----------------------------------------------------------------
G4 = [
    (0, LOCAL, "组织先期处置：控制危险源，标明危险区域，封锁危险场所，疏散、撤离受威胁群众"),
    (30, EMA, "值班室30分钟内电话首报县委县政府总值班室和市应急管理局，1小时内书面报告（首报快、续报准、终报全）",
     FIRST_REPORT),
    (60, EMA, "分管负责同志带工作组赶赴现场，指导事发地处置并收集续报信息"),
    (60, RESCUE, "赶赴现场开展抢险救援", ARRIVED),
]
G3 = G4 + [
    (30, FIRE, "调派就近消防救援站出动，开展人员搜救、灭火和抢险", ARRIVED),
    (60, GOV, "分管负责同志赶赴现场，成立县级现场指挥部，设综合协调、抢险救援、医疗救治、群众生活、治安交通、新闻宣传等工作组"),
    (120, TRANSPORT, "组织应急运力保障人员转移和物资运输，抢通受损道路"),
    (120, PAD, "组织民兵应急分队集结待命，按现场指挥部指令参加抢险"),
    (360, EMA, "调拨县级救灾物资，灾害发生后6小时内使受灾群众基本生活得到初步救助"),
]
G2 = G3 + [
    (60, GOV, "主要负责同志赶赴现场任现场指挥长，同时提请市政府启动相应响应并请求支援"),
    (240, EMA, "每4小时向市应急管理局续报处置进展和人员伤亡、财产损失情况"),
]
G1 = G2 + [
    (60, PAD, "协调驻地部队、武警部队参加抢险救援"),
    (120, GOV, "在省、市指挥机构统一领导下开展处置，做好前方指挥部保障"),
]

# --- 防汛抗旱 --------------------------------------------------------------------
F4 = [
    (30, MET, "加密雨情监测，滚动发布暴雨预警和降雨预报"),
    (60, EMA, "组织气象、水务、自然资源部门会商研判，向相关乡镇发布防汛预警信息"),
    (60, LOCAL, "组织山洪、内涝危险区群众转移避险，落实“三个避让”“三个紧急撤离”"),
    (120, WATER, "组织水库、山坪塘、堤防巡查，落实水库安全度汛措施"),
]
F3 = F4 + [
    (60, RESCUE, "抗洪抢险分队携冲锋舟、救生器材前置待命"),
    (120, LAND, "排查强降雨影响区域的地质灾害隐患点，派出技术人员驻守"),
    (120, TRANSPORT, "巡查公路、桥梁，对积水和塌方路段设置警示并组织抢通"),
    (360, EMA, "调拨帐篷、折叠床、棉被等救灾物资，6小时内保障转移群众基本生活"),
]
F2 = F3 + [
    (60, FIRE, "集结水域救援力量，搜救被困群众"),
    (120, PAD, "组织民兵抢险队伍参加堤防抢护和群众转移"),
    (120, GOV, "县领导分片包干，赶赴重点乡镇督导转移避险"),
]
F1 = F2 + [(60, GOV, "提请市防汛抗旱指挥部和驻地部队支援，在上级统一指挥下开展抢险救灾")]

# --- 地质灾害 --------------------------------------------------------------------
D4 = [
    (60, LOCAL, "组织受威胁群众撤离避让，设置警示标志和警戒区"),
    (60, EMA, "组织会商研判，续报灾情和处置进展"),
    (120, LAND, "派出地质灾害专业技术人员现场调查，划定危险区，提出应急防治建议"),
    (120, MET, "提供灾害点及周边降雨实况和预报服务"),
]
D3 = D4 + [
    (60, RESCUE, "搜救被困人员，排除次生灾害险情"),
    (240, LAND, "4小时内获取灾区应急测绘和卫星图像资料"),
    (360, TRANSPORT, "抢通受损道路，6小时内恢复一般灾害干线公路通行"),
]
D2 = D3 + [
    (30, FIRE, "调派地震地质救援力量，搜救被埋压人员"),
    (60, GOV, "主要负责同志赶赴现场任现场指挥长"),
    (120, PAD, "组织民兵参加抢险和群众转移"),
]
D1 = D2 + [(60, GOV, "提请市政府和省级部门派出专家组和救援力量支援")]

# --- 森林火灾 --------------------------------------------------------------------
W4 = [
    (30, LOCAL, "组织乡镇半专业扑火队和护林员先期扑救，清理火场周边可燃物"),
    (30, RESCUE, "森林扑火分队赶赴火场", ARRIVED),
    (60, EMA, "前方工作组赶赴现场研判火情，划定扑火分区"),
    (60, MET, "提供火场天气实况和风向风速预报"),
]
W3 = W4 + [
    (30, FIRE, "调派消防救援站出动，保护火场周边村庄和重要设施"),
    (60, LOCAL, "转移受火场威胁的群众，疏散周边人员"),
    (60, GOV, "分管负责同志赶赴现场，成立火场前线指挥部"),
    (120, PAD, "组织民兵扑火队伍增援"),
    (120, TRANSPORT, "保障扑火人员和物资运输车辆"),
]
W2 = W3 + [
    (60, GOV, "主要负责同志赶赴现场任前线总指挥，提请市森林防灭火指挥部支援"),
    (360, EMA, "调拨风力灭火机、灭火水泵、二号工具等扑火物资和群众生活物资"),
]
W1 = W2 + [(60, PAD, "协调驻地部队、武警部队投入扑救，申请航空消防支援")]

# --- 危险化学品事故 ---------------------------------------------------------------
H4 = [
    (30, FIRE, "调派消防救援力量开展侦检、警戒，实施堵漏、冷却、稀释或灭火", ARRIVED),
    (30, MET, "监测并通报现场风向、风速，为划定警戒区和疏散方向提供依据"),
    (30, LOCAL, "按警戒范围疏散下风向群众，设置疏散集结点"),
    (60, EMA, "派出工作组和危化品专家赶赴现场，督促事故单位启动应急预案并提供化学品安全技术说明书"),
]
H3 = H4 + [
    (60, RESCUE, "协助开展人员搜救和现场洗消"),
    (60, GOV, "分管负责同志赶赴现场成立现场指挥部，组织生态环境、卫生健康部门开展环境监测和伤员救治"),
    (120, TRANSPORT, "调集危化品转运车辆和应急运力，配合实施道路交通管制"),
    (120, EMA, "排查周边危险化学品企业和重大危险源，防止次生事故"),
]
H2 = H3 + [
    (60, GOV, "主要负责同志赶赴现场任现场指挥长，提请市政府启动响应并请求危化专业救援队伍支援"),
    (120, PAD, "组织民兵协助警戒和群众疏散"),
]
H1 = H2 + [(60, GOV, "在省、市指挥机构统一指挥下开展救援和善后处置")]

# --- 乡镇预案 --------------------------------------------------------------------
T4 = [
    (0, LOCAL, "镇主要负责同志赶赴现场，组织镇村干部和应急救援队先期处置"),
    (30, LOCAL, "30分钟内电话报告县应急管理局，并持续续报"),
    (60, LOCAL, "转移安置受威胁群众，开放镇应急避难场所，发放储备点物资"),
]

PLANS = [
    {"name": "乐至县突发事件总体应急预案", "type": "general", "region": "512022", "owner": GOV,
     "codes": ["11000", "12000", "13000", "14000"], "version": "2021年版（试行）", "approved_on": date(2021, 12, 30),
     "summary": "本县突发事件应对的总纲，适用于本县行政区域内自然灾害、事故灾难、公共卫生事件和社会安全事件的应对。"
                "一般突发事件由县人民政府负责应对；较大及以上突发事件在市、省统一领导下开展先期处置和应对工作。",
     "levels": {4: (_criteria(4, 1, 3, 100), G4), 3: (_criteria(3, 3, 10, 1000), G3),
                2: (_criteria(2, 10, 50, 10000), G2), 1: (_criteria(1, 30, 100, 50000), G1)}},
    {"name": "乐至县防汛抗旱应急预案", "type": "special", "region": "512022", "owner": EMA,
     "codes": ["11A00", "11B03"], "version": "2022年版", "approved_on": date(2022, 5, 20),
     "summary": "适用于本县洪水、内涝、山洪、水库和山坪塘险情、干旱等水旱灾害及暴雨引发灾害的防范和应急处置。"
                "县防汛抗旱指挥部办公室设在县应急管理局。暴雨预警由县气象局发布。",
     "levels": {4: (_criteria(4, 1, None, 100, "blue"), F4), 3: (_criteria(3, 3, None, 1000, "yellow"), F3),
                2: (_criteria(2, 10, None, 5000, "orange"), F2), 1: (_criteria(1, 30, None, 10000, "red"), F1)}},
    {"name": "乐至县地质灾害应急预案", "type": "special", "region": "512022", "owner": LAND,
     "codes": ["11D00"], "version": "2022年版", "approved_on": date(2022, 4, 28),
     "summary": "适用于本县滑坡、崩塌、泥石流、地面塌陷等突发地质灾害的应急处置。受威胁需转移的人数计入“受影响人数”；"
                "预警指地质灾害气象风险预警。",
     "levels": {4: (_criteria(4, 1, None, 10, "yellow"), D4), 3: (_criteria(3, 3, None, 100, "orange"), D3),
                2: (_criteria(2, 10, None, 500, "red"), D2), 1: (_criteria(1, 30, None, 1000), D1)}},
    {"name": "乐至县森林火灾应急预案", "type": "special", "region": "512022", "owner": EMA,
     "codes": ["11G00"], "version": "2022年版", "approved_on": date(2022, 2, 15),
     "summary": "适用于本县行政区域内森林火灾的应对，按“打早、打小、打了”的要求组织扑救。"
                "县森林防灭火指挥部办公室设在县应急管理局；预警指森林火险预警。",
     "levels": {4: (_criteria(4, 1, 1, 50, "orange"), W4), 3: (_criteria(3, 3, 10, 500, "red"), W3),
                2: (_criteria(2, 10, 50, 2000), W2), 1: (_criteria(1, 30, 100, 10000), W1)}},
    {"name": "乐至县危险化学品事故应急预案", "type": "special", "region": "512022", "owner": EMA,
     "codes": ["12D00"], "version": "2022年版", "approved_on": date(2022, 8, 10),
     "summary": "适用于危险化学品生产、经营、储存、使用、运输和废弃处置中发生的火灾、爆炸、泄漏、中毒等事故。"
                "事故等级按《生产安全事故报告和调查处理条例》（国务院令第493号）确定；需疏散的人数计入“受影响人数”。",
     "levels": {4: (_criteria(4, 1, 3, 100), H4), 3: (_criteria(3, 3, 10, 1000), H3),
                2: (_criteria(2, 10, 50, 10000), H2), 1: (_criteria(1, 30, 100, 50000), H1)}},
    {"name": "回澜镇突发事件应急预案", "type": "township", "region": "512022102", "owner": "回澜镇人民政府",
     "codes": ["11000", "12000"], "version": "2023年版", "approved_on": date(2023, 3, 1),
     "summary": "镇级基层预案：本镇发生突发事件后先期处置、信息报告和转移安置的安排，与县级预案衔接。",
     "levels": {4: (_criteria(4, 1, 3, 30), T4)}},
]


def _plan(spec) -> Plan:
    region = Region.objects.get(code=spec["region"])
    owner = Organisation.objects.get(region__path__startswith=region.path, name=spec["owner"])
    plan = Plan.objects.filter(region=region, name=spec["name"], version=spec["version"]).first() or Plan()
    return services.save_plan(None, plan, {
        "name": spec["name"], "type": spec["type"], "region": region, "owner": owner, "event_codes": spec["codes"],
        "version": spec["version"], "status": Plan.APPROVED, "approved_on": spec["approved_on"],
        "summary": spec["summary"], "is_demo": True})


def _level(plan, number, criteria, tasks, units):
    level = ResponseLevel.objects.filter(plan=plan, level=number).first() or ResponseLevel()
    level = services.save_level(None, level, {"plan": plan, "level": number, **criteria})
    for order, (offset, unit, text, *event) in enumerate(tasks):
        template = TaskTemplate.objects.filter(response_level=level, text=text).first() or TaskTemplate()
        services.save_template(None, template, {
            "response_level": level, "text": text, "organisation": None if unit == LOCAL else units[unit],
            "local_government": unit == LOCAL, "due_offset_minutes": offset, "order": order,
            "completes_on": event[0] if event else ""})
    return len(tasks)


def load(log):
    units = {o.name: o for o in Organisation.objects.filter(region__code="512022")}
    templates = 0
    for spec in PLANS:
        plan = _plan(spec)
        for number, (criteria, tasks) in spec["levels"].items():
            templates += _level(plan, number, criteria, tasks, units)
    log(f"应急预案 {len(PLANS)} 个（响应级别与任务模板 {templates} 项）")
