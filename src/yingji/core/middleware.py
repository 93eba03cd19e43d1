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
                logout(request)
            elif not is_background(request) or last is None:
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)
