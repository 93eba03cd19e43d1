"""Security headers Django 5.2 does not set itself (it has no Content-Security-Policy yet)."""

CSP = "; ".join([
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "connect-src 'self'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response


# --- Idle timeout ------------------------------------------------------------------------
# Django's session expiry renews on every saved request, and the command board (5 s) and the one-map
# (30 s) poll for ever, so an unattended screen never timed out. The last *user* activity is kept in the
# session instead; requests the pages mark as background neither count as activity nor save the session
# (SESSION_SAVE_EVERY_REQUEST is off), and after SESSION_COOKIE_AGE idle seconds the user is logged out.

LAST_ACTIVITY = "yingji_last_activity"
BACKGROUND_HEADER = "X-Yingji-Background"
# The activity time is written at most once a minute: a page that loads ten map layers at once saves the session
# once, not ten times (the idle logout comes 30 to 31 minutes after the last activity).
ACTIVITY_RESOLUTION_S = 60


def is_background(request) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


class IdleTimeoutMiddleware:
    """After AuthenticationMiddleware. An idle session is logged out; the view then answers as to anyone
    not logged in (pages redirect to the login, the API answers 401 in its error shape)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings
        from django.contrib.auth import logout

        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now - last > settings.SESSION_COOKIE_AGE:
                request.yingji_idle_logout = True  # the audit entry says why
                logout(request)
            elif last is None or (not is_background(request) and now - last >= ACTIVITY_RESOLUTION_S):
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


# --- Request-body caps ---------------------------------------------------------------------
# Refused by Content-Length before anything reads the body: Django's CSRF check reads a form's body before
# the view runs, and DATA_UPLOAD_MAX_MEMORY_SIZE leaves out file parts, so without this a 50 MB upload was
# read in full (and to disk) before any check. Every request has YINGJI_MAX_REQUEST_MB; views that take
# uploads declare their own, smaller cap with @body_limit.

def body_limit(max_bytes: int | None = None, refused=None, before_body=None):
    """Mark a view (a function, a class-based view or a DRF action method).

    max_bytes: the cap (default: MAX_UPLOAD_MB plus 1 MB for the other fields); refused(request): told of
    each refusal (e.g. to count it toward a rate limit); before_body(request): may answer before the body
    is read (e.g. 429 for a client over its rate), or return None."""

    def mark(view):
        view.body_limit = max_bytes if max_bytes is not None else _upload_cap()
        view.body_refused = staticmethod(refused) if refused and isinstance(view, type) else refused
        view.before_body = staticmethod(before_body) if before_body and isinstance(view, type) else before_body
        return view

    return mark


def _upload_cap() -> int:
    from django.conf import settings

    return (settings.MAX_UPLOAD_MB + 1) * 1024 * 1024


def content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def too_large(request, limit: int):
    from django.http import HttpResponse

    from .errors import error_response

    mb = limit / 1024 / 1024
    message = f"提交的内容过大（{content_length(request) / 1024 / 1024:.1f} MB），不能超过 {mb:.0f} MB，未被接收。"
    if request.path.startswith("/api/"):
        return error_response(413, "too_large", message)
    return HttpResponse(f"<!doctype html><meta charset=utf-8><title>内容过大</title><p>{message}</p>"
                        "<p><a href=\"javascript:history.back()\">返回</a></p>", status=413)


def _marked(view_func, request):
    """The object carrying @body_limit for this request: the DRF action, the view class or the function."""
    cls = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    actions = getattr(view_func, "actions", None) or {}
    candidates = []
    if cls is not None and request.method.lower() in actions:
        candidates.append(getattr(cls, actions[request.method.lower()], None))
    candidates += [cls, view_func]
    return next((c for c in candidates if c is not None and hasattr(c, "body_limit")), None)


class BodyLimitMiddleware:
    """Before CsrfViewMiddleware, whose process_view reads form bodies. Nothing before a view's
    process_view reads the body (and an unrouted URL never reads it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.conf import settings

        marked = _marked(view_func, request) if request.method not in ("GET", "HEAD", "OPTIONS") else None
        if marked is None:
            limit = settings.YINGJI_MAX_REQUEST_MB * 1024 * 1024
            return too_large(request, limit) if content_length(request) > limit else None
        if marked.before_body is not None:
            answer = marked.before_body(request)
            if answer is not None:
                return answer
        if content_length(request) > marked.body_limit:
            if marked.body_refused is not None:
                marked.body_refused(request)
            return too_large(request, marked.body_limit)
        return None
