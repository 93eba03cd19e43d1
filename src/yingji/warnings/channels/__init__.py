"""The delivery channels of a warning: SMS, e-mail, village loudspeakers and webhooks behind one interface (see
base.py for the interface, each module for its channel). Pure: no Django import."""

import dataclasses
import json
from collections.abc import Mapping

from .base import Address, Channel, Message, Outcome, backoff_delay, deliver
from .email import EmailChannel
from .loudspeaker import LoudspeakerChannel
from .sms import DeliveryReport, SmsChannel, normalise_phone
from .webhook import WebhookChannel

CHANNELS: dict[str, type[Channel]] = {c.name: c for c in (SmsChannel, EmailChannel, LoudspeakerChannel, WebhookChannel)}
# The environment variable prefix of each channel's settings: YINGJI_SMS_URL, YINGJI_SMTP_HOST, YINGJI_BROADCAST_HOST …
ENV_PREFIX = {"sms": "YINGJI_SMS_", "email": "YINGJI_SMTP_", "loudspeaker": "YINGJI_BROADCAST_",
              "webhook": "YINGJI_WEBHOOK_"}


def build(name: str, config: dict | None = None) -> Channel:
    if name not in CHANNELS:
        raise ValueError(f"发布渠道“{name}”未知：应为 {'、'.join(CHANNELS)}。")
    return CHANNELS[name].from_config(config)


def env_names(name: str) -> list[str]:
    """The environment variables a channel reads (one per setting), for the docs and `yingji check`."""
    return [ENV_PREFIX[name] + f.name.upper() for f in dataclasses.fields(CHANNELS[name].Config)]


def config_from_env(environ: Mapping[str, str]) -> dict[str, dict]:
    """Each channel's settings from YINGJI_<CHANNEL>_<SETTING> variables, converted to the setting's type
    (numbers, true/false, JSON for objects and lists). Only the variables that are set appear; a channel with none
    gets {} (built, but not configured()). A value that does not convert is a ValueError naming the variable."""
    configs = {}
    for name, cls in CHANNELS.items():
        config = {}
        for f in dataclasses.fields(cls.Config):
            variable = ENV_PREFIX[name] + f.name.upper()
            if variable in environ:
                config[f.name] = _convert(variable, environ[variable], _default_of(f))
        configs[name] = config
    return configs


def _default_of(f: dataclasses.Field):
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _convert(variable: str, raw: str, default):
    try:
        if isinstance(default, bool):
            if raw.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
                raise ValueError(raw)
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, dict):
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise ValueError(raw)
            return value
        if isinstance(default, tuple):
            return tuple(json.loads(raw)) if raw.strip().startswith("[") else tuple(v.strip() for v in raw.split(","))
    except ValueError as exc:
        raise ValueError(f"环境变量 {variable}=“{raw[:60]}”无法读取：应为 {_kind(default)}。") from exc
    return raw


def _kind(default) -> str:
    if isinstance(default, bool):
        return "true 或 false"
    if isinstance(default, int):
        return "整数"
    if isinstance(default, float):
        return "数字"
    if isinstance(default, dict):
        return "JSON 对象"
    return "JSON 数组或逗号分隔的值"


__all__ = ["Address", "Channel", "CHANNELS", "DeliveryReport", "EmailChannel", "LoudspeakerChannel", "Message",
           "Outcome", "SmsChannel", "WebhookChannel", "backoff_delay", "build", "config_from_env", "deliver",
           "env_names", "normalise_phone"]
