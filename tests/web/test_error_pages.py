"""Error pages speak Chinese in the base layout (township and enterprise users meet them daily); under /api/
they keep the API's error shape."""

import pytest
from django.test import Client, RequestFactory

from yingji.core import errors

ENGLISH = ("Not Found", "Forbidden", "Server Error", "Bad Request", "CSRF verification failed")


def assert_chinese_page(response, status, title):
    page = response.content.decode()
    assert response.status_code == status
    assert title in page and 'data-testid="error-page"' in page and "返回首页" in page
    assert not any(text in page for text in ENGLISH), page[:500]
    return page


def test_404_in_the_layout_for_a_logged_in_user(demo, web):
    page = assert_chinese_page(web("township").get("/no-such-page/"), 404, "页面不存在")
    assert 'class="sidebar"' in page  # the user keeps the navigation


def test_404_of_a_record_outside_the_users_region(demo, web, region):
    other = region("512022102")  # 回澜镇: not 天池街道's
    assert_chinese_page(web("township").get(f"/regions/{other.pk}/"), 404, "管辖范围")


def test_404_for_a_visitor_offers_the_login(demo):
    page = assert_chinese_page(Client().get("/no-such-page/"), 404, "页面不存在")
    assert "/login/?next=/no-such-page/" in page


def test_403_says_what_is_missing(demo, web):
    page = assert_chinese_page(web("township").get("/audit/"), 403, "没有权限")
    assert "系统管理员" in page


def test_api_paths_keep_the_error_shape(demo, api):
    response = api("duty").get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "接口不存在。", "fields": {}}}


def test_csrf_failure_is_a_chinese_page(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "duty", "password": "x"})
    assert_chinese_page(response, 403, "没有权限")
    assert "刷新页面" in response.content.decode()


def test_500_page_needs_no_database_or_context_processors():
    request = RequestFactory().get("/incidents/")
    response = errors.server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错" in page and "联系系统管理员" in page
    assert not any(text in page for text in ENGLISH)


@pytest.mark.django_db
def test_500_under_api_is_the_error_shape():
    response = errors.server_error(RequestFactory().get("/api/incidents/"))
    assert response.status_code == 500
    assert b'"code": "server_error"' in response.content
