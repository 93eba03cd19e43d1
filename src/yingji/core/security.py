"""Password rules, and login throttling: django-axes, with each attempt reserved before its password is checked.

Axes alone checks, then counts: its backend reads the failure count, the password is checked, and only
the `user_login_failed` signal adds the failure. Twenty parallel requests all read "0 failures" and all
get their password checked. Here the backend first reserves the attempt (counts it as a failure) in one
transaction serialised per client IP, refuses once the count reached the limit, and gives the reservation
back only when the password was right. So a burst checks at most AXES_FAILURE_LIMIT passwords.
"""

import hashlib
import re
import time
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F, Sum
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from . import audit
from .models import AuditEntry

CHARACTER_CLASSES = [
    ("小写字母", re.compile(r"[a-z]")),
    ("大写字母", re.compile(r"[A-Z]")),
    ("数字", re.compile(r"[0-9]")),
    ("符号", re.compile(r"[^a-zA-Z0-9]")),
]


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with a Chinese message (Django 5.2's zh-hans catalogue lacks this sentence)."""

    def get_error_message(self):
        return f"密码太短：至少包含 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少包含 {self.min_length} 个字符。"


class CharacterClassValidator:
    """At least `min_classes` of: lower-case, upper-case, digits, symbols."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        present = [name for name, pattern in CHARACTER_CLASSES if pattern.search(password)]
        if len(present) < self.min_classes:
            raise ValidationError(
                f"密码至少要包含小写字母、大写字母、数字、符号中的 {self.min_classes} 类（当前只有 {len(present)} 类）。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"密码至少 8 位，并包含小写字母、大写字母、数字、符号中的至少 {self.min_classes} 类。"


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind YINGJI_TRUSTED_PROXIES proxies the address the outermost one saw.

    Counted from the right of X-Forwarded-For: entries further left are whatever the client sent.
    """
    proxies = settings.YINGJI_TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def lock_message() -> str:
    minutes = int(get_cool_off().total_seconds() // 60)
    return (f"登录失败次数过多（连续 {settings.AXES_FAILURE_LIMIT} 次），该账号在此地址已锁定 {minutes} 分钟，"
            "请稍后再试或联系管理员。")


def _serialise_per_ip(using: str, ip_address) -> None:
    """Make the count-and-reserve below one step per client IP.

    PostgreSQL: a transaction-scoped advisory lock on the IP (per-IP and per-(user, IP) counters both
    contain the IP). SQLite: the transaction began with BEGIN IMMEDIATE (settings), which already
    serialises every writer.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"yingji-login:{ip_address}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _count_failure(request, username) -> None:
    now = request.axes_attempt_time
    attempt, created = AccessAttempt.objects.get_or_create(
        username=username, ip_address=request.axes_ip_address, user_agent=request.axes_user_agent,
        defaults={"get_data": "", "post_data": "", "http_accept": request.axes_http_accept,
                  "path_info": request.axes_path_info, "failures_since_start": 1, "attempt_time": now},
    )
    if not created:
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            failures_since_start=F("failures_since_start") + 1, attempt_time=now, path_info=request.axes_path_info)


def _locked(handler, request, credentials) -> bool:
    """Each counter against its own limit: (username, IP) against YINGJI_LOCKOUT_FAILURES, the IP against
    YINGJI_LOCKOUT_IP_FAILURES (the order of AXES_LOCKOUT_PARAMETERS; axes itself has one limit for all)."""
    limits = [settings.YINGJI_LOCKOUT_FAILURES, settings.YINGJI_LOCKOUT_IP_FAILURES]
    counters = handler.get_user_attempts(request, credentials)
    return any((attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0) >= limit
               for attempts, limit in zip(counters, limits, strict=True))


def reserve_attempt(request, credentials) -> bool:
    """Count this attempt as a failure before checking its password; False if the client is locked."""
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    if handler.is_whitelisted(request, credentials):
        return True
    if handler.is_blacklisted(request, credentials):
        return False
    using = router.db_for_write(AccessAttempt)
    with transaction.atomic(using=using):
        _serialise_per_ip(using, request.axes_ip_address)
        if _locked(handler, request, credentials):
            return False
        _count_failure(request, get_client_username(request, credentials))
    request.yingji_attempt_reserved = True
    return True


def release_attempts(request, credentials) -> None:
    """A right password clears this username's failures from this IP (not other users' from the same IP)."""
    from .tasks import prune_login_attempts

    AccessAttempt.objects.filter(username=get_client_username(request, credentials),
                                 ip_address=request.axes_ip_address).delete()
    transaction.on_commit(prune_login_attempts.enqueue)


class ThrottledModelBackend(AxesStandaloneBackend, ModelBackend):
    """ModelBackend behind an atomic axes reservation (see the module docstring).

    Without a request (in-process code such as the shell or tests calling authenticate()) there is no
    client to throttle, so the password is checked directly.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not settings.AXES_ENABLED:
            return ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)
        credentials = get_credentials(username=username, password=password, **kwargs)
        if not reserve_attempt(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            # PermissionDenied stops authenticate() trying further backends; it sends user_login_failed.
            raise AxesBackendPermissionDenied(lock_message())
        user = ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)
        if user is not None:
            release_attempts(request, credentials)
        return user


class ReservingHandler(AxesDatabaseHandler):
    """Axes' database handler, minus the second count of a failure the backend already reserved."""

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None and (getattr(request, "yingji_attempt_reserved", False)
                                    or getattr(request, "axes_locked_out", False)):
            return
        super().user_login_failed(sender, credentials, request, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page (or API view) already said why in Chinese; keep its answer."""
    if original_response is not None:
        return original_response
    from django.http import HttpResponse

    return HttpResponse(lock_message(), status=429, content_type="text/plain; charset=utf-8")


# --- API tokens: they expire, and die with a password change or a deactivation ------

def token_expiry(token: Token):
    return token.created + timedelta(hours=settings.YINGJI_TOKEN_HOURS)


def issue_token(user, request=None) -> Token:
    """The user's token, a fresh one once the old has expired (one token per user, as DRF keeps them)."""
    token = Token.objects.filter(user=user).first()
    if token is not None and token_expiry(token) <= timezone.now():
        token.delete()
        token = None
    token = token or Token.objects.create(user=user)
    audit.record_event(user, AuditEntry.TOKEN, "签发 API 令牌",
                       {"有效期至": timezone.localtime(token_expiry(token)).strftime("%Y-%m-%d %H:%M")}, request)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than YINGJI_TOKEN_HOURS (401)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expiry(token) <= timezone.now():
            raise AuthenticationFailed(f"登录令牌已过期（有效期 {settings.YINGJI_TOKEN_HOURS} 小时），请重新登录获取新令牌。")
        return user, token


_CREDENTIAL_FIELDS = {"password", "is_active"}


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _note_credential_change(sender, instance, update_fields=None, **kwargs):
    """Whatever path saves a user (service, admin, shell), a new password or a deactivation is noticed here."""
    instance._revoke_tokens = False
    if instance.pk is None or (update_fields is not None and not _CREDENTIAL_FIELDS & set(update_fields)):
        return
    stored = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is not None and (stored["password"] != instance.password
                               or (stored["is_active"] and not instance.is_active)):
        instance._revoke_tokens = True


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _revoke_tokens(sender, instance, **kwargs):
    if getattr(instance, "_revoke_tokens", False):
        Token.objects.filter(user=instance).delete()
        instance._revoke_tokens = False


# --- Authentication events in the audit trail (等保: logins, logouts, failed logins) ---------------

class _NotLoggedIn:
    """Stands for whoever failed to log in (no user row)."""

    pk = None

    def __str__(self):
        return "未登录用户"


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        from .middleware import LAST_ACTIVITY

        request.session[LAST_ACTIVITY] = time.time()  # the idle clock starts at the login
    audit.record_event(user, AuditEntry.LOGIN, "登录", request=request)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = {"原因": "长时间未操作，自动退出"} if getattr(request, "yingji_idle_logout", False) else {}
    audit.record_event(user, AuditEntry.LOGOUT, "退出登录", reason, request)


@receiver(user_login_failed)
def _audit_failed_login(sender, credentials, request=None, **kwargs):
    from .models import User

    username = str(credentials.get("username") or "")[:150]
    known = User.objects.filter(username=username).select_related("region").first() if username else None
    result = "已锁定，未校验密码" if getattr(request, "axes_locked_out", False) else "用户名或密码错误"
    audit.record_event(_NotLoggedIn(), AuditEntry.LOGIN_FAILED, f"登录失败：{username}",
                       {"用户名": username, "结果": result}, request, region=known.region if known else None)
