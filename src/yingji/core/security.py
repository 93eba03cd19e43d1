"""Login lockout (5 failures → 15 minutes) and the password character-class rule."""

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from .models import LoginLock

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


def lock_message(lock: LoginLock) -> str:
    until = timezone.localtime(lock.locked_until).strftime("%H:%M")
    return f"该账号连续 {settings.YINGJI_LOCKOUT_FAILURES} 次登录失败，已锁定至 {until}，请稍后再试或联系管理员。"


def active_lock(username: str) -> LoginLock | None:
    lock = LoginLock.objects.filter(username=username, locked_until__gt=timezone.now()).first()
    return lock


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses a locked username before even checking the password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None:
            lock = active_lock(username)
            if lock is not None:
                # PermissionDenied stops authenticate() trying further backends and sends
                # user_login_failed, which the views turn into the lock message.
                raise PermissionDenied(lock_message(lock))
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    username = credentials.get("username")
    if not username or active_lock(username) is not None:
        return
    now = timezone.now()
    with transaction.atomic():
        lock, _ = LoginLock.objects.select_for_update().get_or_create(username=username)
        window = timedelta(minutes=settings.YINGJI_LOCKOUT_MINUTES)
        if lock.last_failure is None or now - lock.last_failure > window:
            lock.failures = 0
        lock.failures += 1
        lock.last_failure = now
        if lock.failures >= settings.YINGJI_LOCKOUT_FAILURES:
            lock.locked_until = now + window
            lock.failures = 0
        lock.save()


@receiver(user_logged_in)
def clear_failures(sender, user, request=None, **kwargs):
    from .tasks import prune_login_locks

    LoginLock.objects.filter(username=user.get_username()).delete()
    transaction.on_commit(prune_login_locks.enqueue)
