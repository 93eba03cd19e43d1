"""Public reporting: the no-login page and API, photo checks, the hourly limit, the scoped duty inbox,
verifying into an incident, merging, rejecting."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from yingji.core.models import AuditEntry, Region, User
from yingji.incidents.models import Incident, PublicReport, TimelineEntry
from yingji.incidents.services import public as services

pytestmark = pytest.mark.django_db

TIANCHI = (105.0312, 30.2831)  # next to the 天池街道 (512022001) centre


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png(size=(40, 30), noise=False) -> SimpleUploadedFile:
    image = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, (200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("现场.png", buffer.getvalue(), content_type="image/png")


def form(**overrides) -> dict:
    data = {"phone": "13912345678", "name": "王先生", "description": "天池街道某小区门口电动车起火，浓烟很大。",
            "longitude": str(TIANCHI[0]), "latitude": str(TIANCHI[1]), "address": "天池街道某小区"}
    data.update(overrides)
    return data


def submit(ip="10.0.0.1", photo=None, **overrides) -> PublicReport:
    data = form(**overrides)
    return services.submit_public_report(data, photo, ip)


# --- The page, anonymous ------------------------------------------------------------

def test_anonymous_page_renders_offline_with_csrf(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "使用我的位置" in html and "csrfmiddlewaretoken" in html and 'accept="image/*"' in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # CSP: no inline script
    script = client.get("/report/report.js")
    assert script.status_code == 200 and "geolocation" in script.content.decode()
    assert script["Content-Type"].startswith("text/javascript")


def test_anonymous_submit_lands_in_the_inbox_with_a_reference(demo, web):
    client = Client(enforce_csrf_checks=True)
    client.get("/report/")
    token = client.cookies["csrftoken"].value
    response = client.post("/report/", {**form(), "photo": png(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response.url == "/report/thanks/"
    report = PublicReport.objects.get()
    thanks = client.get("/report/thanks/").content.decode()
    assert services.reference(report) in thanks and "上报成功" in thanks
    assert report.status == "pending" and report.phone == "13912345678" and report.ip == "127.0.0.1"
    assert report.region == Region.objects.get(code="512022001")
    assert re.fullmatch(r"incidents/public/\d{4}/\d{2}/[0-9a-f]{32}\.png", report.photo.name)  # not the sender's name
    entry = AuditEntry.objects.get(model="incidents.publicreport", object_id=str(report.pk))
    assert entry.actor is None and entry.actor_name == "公众（来源IP 127.0.0.1）" and entry.action == "create"
    inbox = web("duty").get("/incidents/inbox/").content.decode()
    assert services.reference(report) in inbox and "电动车起火" in inbox


def test_csrf_is_enforced_on_the_public_form(demo):
    response = Client(enforce_csrf_checks=True).post("/report/", form())
    assert response.status_code == 403
    assert not PublicReport.objects.exists()


def test_page_shows_chinese_errors_and_saves_nothing(demo):
    response = Client().post("/report/", form(phone="12345", description="火", longitude="", latitude="",
                                              address=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "不是有效的电话号码" in html and "至少 5 个字" in html and "至少一项" in html
    assert not PublicReport.objects.exists()


def test_thanks_page_without_a_report_goes_back_to_the_form(demo):
    response = Client().get("/report/thanks/")
    assert response.status_code == 302 and response.url == "/report/"


# --- Validation ---------------------------------------------------------------------

@pytest.mark.parametrize("raw, stored", [
    ("13912345678", "13912345678"), ("139 1234 5678", "13912345678"), ("+86 139-1234-5678", "13912345678"),
    ("028-87654321", "028-87654321"), ("02887654321", "028-87654321"), ("0832-2345678", "0832-2345678"),
    ("010 62345678", "010-62345678"),
])
def test_phone_forms_accepted(demo, raw, stored):
    assert submit(phone=raw).phone == stored


@pytest.mark.parametrize("raw", ["", "12912345678", "1391234567", "87654321", "028-1234", "0832-02345678",
                                 "abc", "08-322345678"])
def test_bad_phones_refused(demo, raw):
    with pytest.raises(ValidationError) as caught:
        submit(phone=raw)
    assert "phone" in caught.value.message_dict
    assert not PublicReport.objects.exists()


@pytest.mark.parametrize("overrides, field, reason", [
    ({"description": "  着火 "}, "description", "至少 5 个字"),
    ({"description": "火" * 2001}, "description", "不能超过 2000 个字"),
    ({"longitude": "", "latitude": "", "address": ""}, "address", "至少一项"),
    ({"longitude": "30.28", "latitude": "105.03"}, "longitude", "似乎填反了"),
    ({"longitude": "105.03", "latitude": ""}, "latitude", "必须同时填写纬度"),
    ({"longitude": "东经105", "latitude": "30.2"}, "longitude", "不是有效的数字"),
    ({"name": "名" * 33}, "name", "不能超过 32 个字"),
])
def test_bad_input_names_the_field(demo, overrides, field, reason):
    with pytest.raises(ValidationError) as caught:
        submit(**overrides)
    assert reason in " ".join(caught.value.message_dict[field])
    assert not PublicReport.objects.exists() and not AuditEntry.objects.filter(model="incidents.publicreport").exists()


def test_an_address_alone_is_enough_and_lands_unlocated(demo):
    report = submit(longitude="", latitude="", address="乐至县天池街道帅乡大道与迎宾大道交叉口")
    assert report.region is None and report.longitude is None


def test_a_point_far_from_every_township_is_unlocated(demo):
    report = submit(longitude="116.40", latitude="39.90")  # Beijing: nearest 乐至 centre is 1,500 km away
    assert report.region is None


def test_a_text_file_renamed_jpg_is_refused(demo):
    fake = SimpleUploadedFile("photo.jpg", "这不是图片，是一段文字。".encode() * 50, content_type="image/jpeg")
    with pytest.raises(ValidationError) as caught:
        submit(photo=fake)
    assert "只能上传图片" in caught.value.message_dict["photo"][0]
    assert not PublicReport.objects.exists()
    response = Client().post("/report/", {**form(), "photo": SimpleUploadedFile("a.jpg", b"%PDF-1.4 not an image")})
    assert "只能上传图片" in response.content.decode() and not PublicReport.objects.exists()


def test_an_oversized_photo_is_refused(demo, settings):
    settings.MAX_UPLOAD_MB = 0.05  # 51 KB; a noisy 200×200 PNG is ~120 KB
    with pytest.raises(ValidationError) as caught:
        submit(photo=png((200, 200), noise=True))
    assert "文件过大" in caught.value.message_dict["photo"][0] and "0.05 MB" in caught.value.message_dict["photo"][0]
    assert not PublicReport.objects.exists()
    assert submit(photo=png((20, 20))).photo  # a small one passes under the same limit


def test_a_decompression_bomb_is_refused_not_a_crash(demo):
    image = Image.new("1", (14000, 14000))  # 196 M pixels in a 24 KB PNG
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        submit(photo=bomb)
    assert "像素数超出限制" in caught.value.message_dict["photo"][0]
    assert not PublicReport.objects.exists()


def test_the_api_refuses_a_huge_body_before_reading_it(demo, settings):
    settings.MAX_UPLOAD_MB = 0.01
    response = APIClient().post("/api/public-submissions/", {**form(), "photo": png((200, 200), noise=True)},
                                format="multipart")
    assert response.status_code == 413 and "照片不能超过" in response.json()["error"]["message"]
    assert not PublicReport.objects.exists()


# --- The hourly limit -------------------------------------------------------------------

def test_the_sixth_report_from_one_ip_in_an_hour_is_refused(demo):
    for n in range(5):
        submit(ip="10.1.1.1", phone=f"1390000000{n}")
    with pytest.raises(services.RateLimited) as caught:
        submit(ip="10.1.1.1", phone="13900000009")
    assert "同一网络一小时内最多可上报 5 次" in " ".join(caught.value.messages)
    assert PublicReport.objects.count() == 5
    assert submit(ip="10.1.1.2", phone="13900000009")  # another network is not affected


def test_the_sixth_report_from_one_phone_in_an_hour_is_refused(demo):
    for n in range(5):
        submit(ip=f"10.2.2.{n}")
    with pytest.raises(services.RateLimited) as caught:
        submit(ip="10.2.2.9", phone="139-1234-5678")  # the same number written differently
    assert "该电话号码一小时内已上报 5 次" in caught.value.message_dict["phone"][0]
    assert PublicReport.objects.count() == 5


def test_reports_older_than_an_hour_do_not_count(demo):
    from datetime import timedelta

    from django.utils import timezone

    for n in range(5):
        submit(ip="10.3.3.3", phone=f"1370000000{n}")
    PublicReport.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert submit(ip="10.3.3.3")


def test_the_page_answers_429_on_the_limit(demo, settings):
    settings.YINGJI_PUBLIC_REPORTS_PER_HOUR = 2
    client = Client()
    for phone in ("13911111111", "13922222222"):
        assert client.post("/report/", form(phone=phone)).status_code == 302
    response = client.post("/report/", form(phone="13933333333"))
    assert response.status_code == 429 and "一小时内最多可上报 2 次" in response.content.decode()
    assert PublicReport.objects.count() == 2


def test_the_api_submission_is_anonymous_and_limited_identically(demo, settings):
    settings.YINGJI_PUBLIC_REPORTS_PER_HOUR = 2
    client = APIClient(enforce_csrf_checks=True)
    first = client.post("/api/public-submissions/", {**form(), "photo": png()}, format="multipart")
    assert first.status_code == 201, first.json()
    assert first.json()["reference"] == services.reference(PublicReport.objects.get())
    assert client.post("/api/public-submissions/", form(phone="13800138000"), format="json").status_code == 201
    refused = client.post("/api/public-submissions/", form(phone="13800138001"), format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled" and "最多可上报 2 次" in refused.json()["error"]["message"]
    bad = client.post("/api/public-submissions/", {**form(), "photo": SimpleUploadedFile("x.jpg", b"text")},
                      format="multipart")
    assert bad.status_code in (400, 429)
    assert PublicReport.objects.count() == 2


# --- The inbox and its scope ---------------------------------------------------------------

def test_township2_cannot_see_a_report_located_in_tianchi(demo, web, api):
    report = submit(photo=png())
    assert report.region.code == "512022001"
    reference = services.reference(report)
    assert reference not in web("township2").get("/incidents/inbox/?status=all").content.decode()
    for url in (f"/incidents/inbox/{report.pk}/", f"/incidents/inbox/{report.pk}/photo/"):
        assert web("township2").get(url).status_code == 404
    assert api("township2").get(f"/api/public-reports/{report.pk}/").status_code == 404
    assert api("township2").get("/api/public-reports/").json()["count"] == 0
    assert reference in web("township").get("/incidents/inbox/").content.decode()  # 天池街道 itself sees it
    assert api("township").get("/api/public-reports/").json()["count"] == 1


def test_unlocated_reports_are_for_the_county_and_above(demo, api):
    report = submit(longitude="", latitude="", address="乐至县城某处")
    for username, sees in (("duty", True), ("admin", True), ("township", False), ("township2", False)):
        ids = [r["id"] for r in api(username).get("/api/public-reports/").json()["results"]]
        assert (report.pk in ids) is sees, username
    assert services.inbox(User.objects.get(username="duty")).filter(pk=report.pk).exists()


def test_inbox_lists_pending_first_and_filters_by_status(demo, web):
    duty = User.objects.get(username="duty")
    older = submit(phone="13900000001")
    services.reject_public_report(duty, older, "经回拨核实不属实")
    newer = submit(phone="13900000002")
    assert list(services.inbox(duty)) == [newer, older]
    pending = web("duty").get("/incidents/inbox/").content.decode()
    assert services.reference(newer) in pending and services.reference(older) not in pending
    rejected = web("duty").get("/incidents/inbox/?status=rejected").content.decode()
    assert services.reference(older) in rejected and services.reference(newer) not in rejected
    assert api_count(duty, "status=rejected") == 1


def api_count(user, query):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/public-reports/?{query}").json()["count"]


def test_the_photo_is_served_only_through_the_scoped_view(demo, web):
    report = submit(photo=png())
    response = web("duty").get(f"/incidents/inbox/{report.pk}/photo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    anonymous = Client().get(f"/incidents/inbox/{report.pk}/photo/")
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")
    assert Client().get(f"/media/{report.photo.name}").status_code == 404
    assert Client().get("/incidents/inbox/").status_code == 302


# --- Verify, merge, reject ---------------------------------------------------------------------

def test_verify_creates_an_incident_from_the_public_with_the_duty_officer(demo, duty):
    report = submit(photo=png())
    incident = services.verify_public_report(duty, report, {"title": "天池街道电动车起火", "event_code": "12G00"})
    assert incident.source == "public" and incident.duty_officer == duty
    assert incident.reporter_phone == "13912345678" and incident.reporter_name == "王先生"
    assert incident.region.code == "512022001" and incident.reported_at == report.created_at
    assert incident.description == report.description and incident.address == report.address
    report.refresh_from_db()
    assert report.status == "verified" and report.incident == incident and report.handled_by == duty
    note = incident.timeline.get(kind="note")
    assert services.reference(report) in note.text and note.attachment.name == report.photo.name
    assert incident.timeline.filter(kind="intake", text__contains="公众上报").exists()
    entry = AuditEntry.objects.filter(model="incidents.publicreport", object_id=str(report.pk)).latest("id")
    assert entry.actor == duty and entry.changes["status"] == ["pending", "verified"]


def test_verify_needs_an_event_code_and_a_region_for_an_unlocated_report(demo, duty):
    report = submit(longitude="", latitude="", address="乐至县城某处")
    with pytest.raises(ValidationError) as caught:
        services.verify_public_report(duty, report, {"title": "某处火情"})
    assert "请选择事件类型" in caught.value.message_dict["event_code"][0]
    with pytest.raises(ValidationError) as caught:
        services.verify_public_report(duty, report, {"title": "某处火情", "event_code": "12G00"})
    assert "region" in caught.value.message_dict
    assert not Incident.objects.filter(source="public", reporter_phone=report.phone).exists()
    report.refresh_from_db()
    assert report.status == "pending"
    incident = services.verify_public_report(duty, report, {
        "title": "某处火情", "event_code": "12G00", "region": Region.objects.get(code="512022002")})
    assert incident.region.name == "南塔街道" and incident.region_located_by == "chosen"


def test_merge_adds_the_report_to_an_open_incident(demo, duty, open_incident):
    incident = open_incident()
    report = submit()
    result = services.verify_public_report(duty, report, {"merge_into": incident, "note": "同一起火情"})
    assert result == incident and not Incident.objects.filter(reporter_phone=report.phone).exists()
    report.refresh_from_db()
    assert report.status == "merged" and report.incident == incident
    note = TimelineEntry.objects.get(incident=incident, kind="note")
    assert services.reference(report) in note.text and "同一起火情" in note.text and note.actor == duty


def test_merge_cannot_reach_an_incident_outside_the_scope(demo, open_incident):
    incident = open_incident()  # 回澜镇
    township = User.objects.get(username="township")
    township.groups.add(*User.objects.get(username="duty").groups.all())  # give 天池街道 the duty seat's rights
    report = submit()  # 天池街道
    with pytest.raises(ValidationError) as caught:
        services.verify_public_report(township, report, {"merge_into": incident.pk})
    assert "不在您的管辖范围内" in caught.value.message_dict["merge_into"][0]


def test_reject_requires_a_reason(demo, duty):
    report = submit()
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError) as caught:
            services.reject_public_report(duty, report, reason)
        assert "驳回须说明原因" in caught.value.message_dict["reason"][0]
    report.refresh_from_db()
    assert report.status == "pending"
    services.reject_public_report(duty, report, "经回拨核实，为小区演练")
    report.refresh_from_db()
    assert report.status == "rejected" and report.reject_reason == "经回拨核实，为小区演练"


def test_a_report_is_handled_once(demo, duty):
    report = submit()
    services.reject_public_report(duty, report, "不属实")
    with pytest.raises(ValidationError, match="不能重复处理"):
        services.verify_public_report(duty, report, {"title": "x", "event_code": "12G00"})
    with pytest.raises(ValidationError, match="不能重复处理"):
        services.reject_public_report(duty, report, "再驳一次")
    verified = submit(phone="13700000000")
    services.verify_public_report(duty, verified, {"title": "火情", "event_code": "12G00"})
    with pytest.raises(ValidationError, match="不能重复处理"):
        services.verify_public_report(duty, verified, {"title": "火情", "event_code": "12G00"})
    assert Incident.objects.filter(reporter_phone="13700000000").count() == 1


def test_read_only_roles_cannot_handle(demo, api):
    report = submit()
    leader = User.objects.get(username="leader")
    with pytest.raises(Exception) as caught:
        services.reject_public_report(leader, report, "不属实")
    assert caught.type.__name__ == "PermissionDenied"
    assert api("leader").post(f"/api/public-reports/{report.pk}/reject/", {"reason": "x"}).status_code == 403
    assert api("township").post(f"/api/public-reports/{report.pk}/reject/", {"reason": "x"}).status_code == 403


# --- The inbox pages and the API actions -------------------------------------------------------------

def test_the_verify_form_is_prefilled_and_creates_the_incident(demo, web, duty):
    report = submit(photo=png())
    client = web("duty")
    page = client.get(f"/incidents/inbox/{report.pk}/").content.decode()
    assert "核实立案" in page and "驳回" in page and "并入已有事件" in page
    assert 'name="title" value="天池街道某小区门口电动车起火，浓烟很大。"' in page  # prefilled from the report
    assert f"/incidents/inbox/{report.pk}/photo/" in page
    refused = client.post(f"/incidents/inbox/{report.pk}/verify/", {"title": "电动车起火", "event_code": ""})
    assert refused.status_code == 200 and "请选择事件类型" in refused.content.decode()
    done = client.post(f"/incidents/inbox/{report.pk}/verify/", {
        "title": "天池街道电动车起火", "event_code": "12G00", "description": report.description,
        "address": report.address, "longitude": report.longitude, "latitude": report.latitude})
    assert done.status_code == 302
    incident = Incident.objects.get(reporter_phone=report.phone)
    assert incident.source == "public" and incident.duty_officer == duty
    page = client.get(done.url).content.decode()
    assert "已核实立案" in page and incident.number in page


def test_the_reject_form_names_the_missing_reason(demo, web):
    report = submit()
    client = web("duty")
    refused = client.post(f"/incidents/inbox/{report.pk}/reject/", {"reason": ""})
    assert refused.status_code == 200 and "驳回须说明原因" in refused.content.decode()
    assert client.post(f"/incidents/inbox/{report.pk}/reject/", {"reason": "重复上报"}).status_code == 302
    second = client.post(f"/incidents/inbox/{report.pk}/reject/", {"reason": "再驳一次"}, follow=True)
    assert "不能重复处理" in second.content.decode()


def test_the_merge_form(demo, web, open_incident):
    incident = open_incident()
    report = submit()
    client = web("duty")
    refused = client.post(f"/incidents/inbox/{report.pk}/merge/", {"merge_into": ""})
    assert "请选择要并入的事件" in refused.content.decode()
    assert client.post(f"/incidents/inbox/{report.pk}/merge/", {"merge_into": incident.pk}).status_code == 302
    report.refresh_from_db()
    assert report.status == "merged" and report.incident == incident


def test_api_verify_and_reject(demo, api, duty):
    report = submit()
    client = api("duty")
    listed = client.get("/api/public-reports/?status=pending").json()
    assert listed["results"][0]["reference"] == services.reference(report)
    missing = client.post(f"/api/public-reports/{report.pk}/verify/", {"title": "火情"}, format="json")
    assert missing.status_code == 400 and "event_code" in missing.json()["error"]["fields"]
    made = client.post(f"/api/public-reports/{report.pk}/verify/", {"title": "火情", "event_code": "12G00"},
                       format="json")
    assert made.status_code == 201 and made.json()["source"] == "public" and made.json()["duty_officer"] == duty.pk
    again = client.post(f"/api/public-reports/{report.pk}/reject/", {"reason": "x"}, format="json")
    assert again.status_code == 400 and "不能重复处理" in again.json()["error"]["message"]
    other = submit(phone="13700000001")
    no_reason = client.post(f"/api/public-reports/{other.pk}/reject/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    assert client.get("/api/public-reports/?status=nonsense").status_code == 400


def test_a_point_abroad_is_explained_without_words_the_citizen_cannot_act_on(demo):
    """The region form's “允许境外坐标” box and the API flag exist only there: the public page never names them."""
    with pytest.raises(ValidationError) as caught:
        submit(longitude="-74.006", latitude="40.7128")  # New York
    message = " ".join(m for messages in caught.value.message_dict.values() for m in messages)
    assert "不在我国范围" in message
    assert "允许境外坐标" not in message and "allow_outside_china" not in message and "API" not in message
