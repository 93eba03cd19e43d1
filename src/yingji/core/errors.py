"""One error shape for every 4xx of the API:

    {"error": {"code": "...", "message": "<中文句子>", "fields": {"<field>": ["<reason>"]}}}
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from rest_framework import exceptions
from rest_framework.views import exception_handler

MESSAGES = {
    "not_authenticated": "未登录或登录已过期，请先登录。",
    "authentication_failed": "身份认证失败。",
    "permission_denied": "您没有执行此操作的权限。",
    "not_found": "记录不存在，或不在您的管辖范围内。",
    "method_not_allowed": "不支持该请求方法。",
    "not_acceptable": "无法提供所请求的格式。",
    "unsupported_media_type": "不支持的请求数据格式。",
    "throttled": "请求过于频繁，请稍后再试。",
    "parse_error": "请求数据格式错误，无法解析。",
    "invalid": "提交的数据有误，请按提示修改。",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item)]
    return [str(detail)]


def _fields(detail) -> dict:
    """DRF's nested detail → {field: [reasons]}; nested serializers become "a.b"."""
    out = {}
    for key, value in detail.items():
        if isinstance(value, dict):
            for sub, reasons in _fields(value).items():
                out[f"{key}.{sub}"] = reasons
        else:
            out[key] = _flatten(value)
    return out


def django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        # Django's "__all__" (a unique constraint over several fields, a clean()) is DRF's non_field_errors.
        return exceptions.ValidationError({
            ("non_field_errors" if k == NON_FIELD_ERRORS else k): [str(m) for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        })
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _fields(detail)
        general = fields.pop("non_field_errors", [])
        message = general[0] if general else MESSAGES["invalid"]
        first = next(iter(fields.items()), None)
        if not general and first:
            message = f"{MESSAGES['invalid']}（{_label(context, first[0])}：{first[1][0]}）"
        response.data = error_body("invalid", message, fields)
        return response
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(exc, Http404) or not isinstance(code, str):
        code = "not_found" if isinstance(exc, Http404) else "error"
    detail = str(getattr(exc, "detail", ""))
    # A specific Chinese reason (a lock message, a service's refusal) beats the generic one,
    # except for 404, whose wording must not reveal whether the record exists elsewhere.
    message = detail if code != "not_found" and _is_chinese(detail) else MESSAGES.get(code, "请求有误。")
    response.data = error_body(code, message)
    return response


def _label(context, field: str) -> str:
    """The Chinese label of a serializer field, so the message names the field as the UI does."""
    view = context.get("view")
    try:
        return str(view.get_serializer().fields[field].label or field)
    except Exception:  # no serializer, or a field that is not on it (query parameters)
        return field


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def error_response(status_code: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    """The API's error shape from a plain Django view (one that is not a DRF view)."""
    return JsonResponse(error_body(code, message, fields), status=status_code, json_dumps_params={"ensure_ascii": False})


# Error pages of the web UI, in the base layout: (API code, title, what the user can do).
ERROR_PAGES = {
    400: ("invalid", "请求有误", "请求的参数或提交的数据有误，无法处理。请返回上一页检查后重试。"),
    403: ("permission_denied", "没有权限", "您没有访问此页面或执行此操作的权限。如需开通，请联系本单位的系统管理员。"),
    404: ("not_found", "页面不存在", "您要找的页面不存在，或该记录不在您的管辖范围内。"),
    500: ("server_error", "系统出错", "系统处理请求时出错，已记录日志。请稍后重试；如仍出错，请联系系统管理员。"),
}
API_NOT_FOUND = "接口不存在。"


def error_page(request, status_code: int, detail: str = ""):
    """A Chinese error page in the base layout, or the API's error shape for a path under /api/."""
    code, title, advice = ERROR_PAGES[status_code]
    if request.path.startswith("/api/"):
        message = API_NOT_FOUND if status_code == 404 else (detail or MESSAGES.get(code) or advice)
        return error_response(status_code, code, message)
    if status_code == 500:  # rendered without context processors: they may be what failed
        return HttpResponseServerError(loader.render_to_string("core/error_500.html", {"title": title, "advice": advice}))
    context = {"title": title, "status_code": status_code, "advice": advice, "detail": detail}
    return render(request, "core/error.html", context, status=status_code)


def _chinese_detail(exception) -> str:
    """A service's own Chinese reason (e.g. "您没有执行此操作的权限。") is worth showing; Django's English text is not."""
    text = str(exception.args[0]) if exception is not None and getattr(exception, "args", None) else ""
    return text if _is_chinese(text) else ""


def bad_request(request, exception=None):
    return error_page(request, 400, _chinese_detail(exception))


def permission_denied(request, exception=None):
    return error_page(request, 403, _chinese_detail(exception))


def page_not_found(request, exception=None):
    return error_page(request, 404)


def server_error(request):
    return error_page(request, 500)


def csrf_failure(request, reason=""):
    return error_page(request, 403, "页面已过期或来源无法确认（跨站请求校验失败）。请刷新页面后重新提交。")
