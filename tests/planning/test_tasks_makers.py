"""Records of plan tasks and 联席会议 decisions in a demo township, for the route battery (tests/core/test_routes.py
MAKERS): the demo's are the city's, and an API copy of one would clash with its (plan, number) or (meeting, number).
No tests here."""

from datetime import timedelta


def township_task(owner):
    from yingji.core.models import Organisation
    from yingji.planning.models import ImplementationPlan, PlanTask
    from yingji.planning.services import tasks as services

    plan = ImplementationPlan.objects.order_by("pk").first()
    unit = Organisation.objects.filter(region=owner.region).first() or Organisation.objects.get(name="资阳市应急管理局")
    return services.save_task(None, PlanTask(), {
        "plan": plan, "region": owner.region, "number": 900, "title": "乡镇应急管理站达标建设（跨乡镇检查）",
        "text": "建成乡镇应急管理站，配齐人员装备。", "deadline": plan.end, "lead_units": [unit]})


def township_decision(owner):
    from yingji.core.models import Organisation
    from yingji.planning.models import Decision, JointMeeting
    from yingji.planning.services import tasks as services

    today = services.today()
    meeting = services.save_meeting(None, JointMeeting(), {
        "region": owner.region, "title": f"{owner.region.name}应急工作专题会（跨乡镇检查）", "kind": JointMeeting.SPECIAL,
        "date": today - timedelta(days=3)})
    unit = Organisation.objects.filter(region=owner.region).first() or Organisation.objects.get(name="资阳市应急管理局")
    return services.save_decision(None, Decision(), {"meeting": meeting, "text": "完成避难场所标识设置。",
                                                     "responsible": unit, "deadline": today + timedelta(days=30)})


MAKERS = {"planning.PlanTask": township_task, "planning.Decision": township_decision}
