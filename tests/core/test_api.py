"""The API: one error shape for every 4xx, token and session auth, OpenAPI schema and offline docs."""

import re

import pytest
from rest_framework.test import APIClient

from yingji.core.models import Organisation, Region, User

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), body  # a Chinese sentence
    return body["error"]


def test_400_names_the_fields(demo, api):
    county = Region.objects.get(code="512022")
    error = assert_error_shape(
        api("admin").post("/api/organisations/", {"type": "bogus", "region": county.pk}, format="json"), 400, "invalid"
    )
    assert set(error["fields"]) == {"name", "type"}
    assert error["fields"]["name"] == ["该字段是必填项。"]
    assert "名称" in error["message"] or "类型" in error["message"]


def test_401_403_404_405(demo, api):
    assert_error_shape(APIClient().get("/api/regions/"), 401, "not_authenticated")
    assert_error_shape(api("township").get("/api/users/"), 403, "permission_denied")
    assert_error_shape(api("duty").get("/api/regions/999999/"), 404, "not_found")
    error = assert_error_shape(APIClient().get("/api/no-such-endpoint/"), 404, "not_found")
    assert error["message"] == "接口不存在。"
    assert_error_shape(api("duty").get("/api/regions/not-a-number/"), 404, "not_found")
    assert_error_shape(api("admin").put("/api/audit/1/", {}, format="json"), 405, "method_not_allowed")


def test_a_bad_token_is_a_401(demo):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert_error_shape(client.get("/api/regions/"), 401, "authentication_failed")


def test_404_does_not_reveal_whether_a_record_exists_elsewhere(demo, api):
    hidden = Region.objects.get(code="512022102")
    hidden_body = api("township").get(f"/api/regions/{hidden.pk}/").json()
    missing_body = api("township").get("/api/regions/999999/").json()
    assert hidden_body == missing_body


def test_malformed_json_is_a_400_in_the_same_shape(demo, api):
    response = api("admin").post("/api/organisations/", data="{not json", content_type="application/json")
    assert_error_shape(response, 400, "parse_error")


def test_read_only_roles_cannot_write(demo, api):
    county = Region.objects.get(code="512022")
    response = api("duty").post("/api/organisations/", {"name": "x", "type": "social", "region": county.pk},
                                format="json")
    assert_error_shape(response, 403, "permission_denied")
    assert not Organisation.objects.filter(name="x").exists()


def test_session_auth_needs_csrf_for_writes(demo):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="admin", password="Yingji@2026")
    response = client.post("/api/organisations/", {"name": "x", "type": "social"}, format="json")
    assert_error_shape(response, 403, "permission_denied")


def test_users_api_creates_with_roles_and_rejects_unknown_ones(demo, api):
    client = api("admin")
    county = Region.objects.get(code="512022")
    bad = client.post("/api/users/", {"username": "wang", "region": county.pk, "roles": ["不存在的角色"],
                                      "password": "Wang#2026pass"}, format="json")
    error = assert_error_shape(bad, 400, "invalid")
    assert "roles" in error["fields"] and "可选角色" in error["fields"]["roles"][0]
    assert not User.objects.filter(username="wang").exists()
    ok = client.post("/api/users/", {"username": "wang", "display_name": "王五", "region": county.pk,
                                     "roles": ["commander", "领导"], "password": "Wang#2026pass"}, format="json")
    assert ok.status_code == 201, ok.json()
    assert sorted(ok.json()["roles"]) == ["指挥长", "领导"]
    assert "password" not in ok.json()


def test_weak_password_through_the_api_names_the_field(demo, api):
    county = Region.objects.get(code="512022")
    response = api("admin").post("/api/users/", {"username": "weak", "region": county.pk, "roles": ["值班员"],
                                                 "password": "abcdefgh12"}, format="json")
    error = assert_error_shape(response, 400, "invalid")
    assert "当前只有 2 类" in error["fields"]["password"][0] and "密码" in error["message"]
    assert not User.objects.filter(username="weak").exists()


def test_a_uniqueness_clash_over_two_fields_is_a_general_message(demo, api):
    county = Region.objects.get(code="512022")
    before = Organisation.objects.count()
    response = api("admin").post("/api/organisations/", {"name": "乐至县水务局", "type": "department",
                                                        "region": county.pk}, format="json")
    error = assert_error_shape(response, 400, "invalid")
    assert "已经存在" in error["message"] and "__all__" not in error["message"]
    assert "__all__" not in error["fields"]
    assert Organisation.objects.count() == before


def test_me_returns_the_user_and_region(demo, api):
    me = api("township").get("/api/users/me/").json()
    assert me["username"] == "township" and me["roles"] == ["乡镇用户"]
    assert me["region"] == Region.objects.get(code="512022001").pk
    assert me["region_name"] == "四川省 › 资阳市 › 乐至县 › 天池街道"
    assert "password" not in me
    assert_error_shape(APIClient().get("/api/users/me/"), 401, "not_authenticated")


def test_roles_endpoint_lists_all_eight(demo, api):
    roles = api("duty").get("/api/roles/").json()
    assert {r["name"] for r in roles} == {"管理员", "值班员", "指挥长", "消防调度员", "安全监管员", "乡镇用户", "企业用户", "领导"}
    assert next(r for r in roles if r["code"] == "admin")["permissions"]


def test_openapi_schema_and_offline_docs(demo, web):
    client = web("duty")
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3")
    assert "/api/regions/locate/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.search(r"https?://", html)  # no CDN, nor any other host
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:  # every asset is served by Yingji itself
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # CSP allows no inline script


def test_locate_on_demo_data_uses_nearest_centre(demo, api):
    body = api("duty").get("/api/regions/locate/?lon=105.12&lat=30.226").json()
    assert body["region"]["name"] == "回澜镇"
    assert body["method"] == "nearest_centre" and body["distance_m"] < 1000
    assert "最近中心点" in body["method_label"]


def test_locate_prefers_a_boundary_over_a_closer_centre(demo, api):
    from yingji.core import services

    shifo = Region.objects.get(code="512022101")  # 石佛镇, centre 104.935, 30.378
    square = {"type": "Polygon", "coordinates": [[[104.90, 30.30], [104.99, 30.30], [104.99, 30.40],
                                                  [104.90, 30.40], [104.90, 30.30]]]}
    services.save_region(None, shifo, {"boundary": square})
    # 104.906, 30.303 is nearer 良安镇's centre (104.905, 30.302) but inside 石佛镇's boundary.
    body = api("duty").get("/api/regions/locate/?lon=104.906&lat=30.303").json()
    assert body["region"]["name"] == "石佛镇" and body["method"] == "boundary"
    assert body["distance_m"] is None


def test_locate_is_scoped_and_validates_input(demo, api):
    client = api("township")  # 天池街道 only
    assert client.get("/api/regions/locate/?lon=105.12&lat=30.226").status_code == 404
    assert client.get("/api/regions/locate/?lon=105.031&lat=30.283").json()["region"]["name"] == "天池街道"
    error = assert_error_shape(client.get("/api/regions/locate/?lon=abc&lat=95"), 400, "invalid")
    assert set(error["fields"]) == {"lon"}
    error = assert_error_shape(client.get("/api/regions/locate/?lon=105&lat=95"), 400, "invalid")
    assert set(error["fields"]) == {"lat"}
    error = assert_error_shape(client.get("/api/regions/locate/?lon=105&lat=30&level=planet"), 400, "invalid")
    assert set(error["fields"]) == {"level"}
