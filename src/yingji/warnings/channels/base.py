"""The delivery channels of a warning behind one adapter interface. Pure: no Django import, so the channels can be
tested against real local services and reused by the worker, the CLI and the demo.

The interface (the warnings app codes against this shape):

- `Message` (frozen): what is sent — identifier (the CAP identifier), msg_type ("Alert" / "Update" / "Cancel"),
  event (Chinese event name), level (1–4, 1 = 红色/Ⅰ级 … 4 = 蓝色/Ⅳ级) and colour ("红色" …), headline, sms_text (the
  short text; the SMS channel refuses one longer than its `max_length`), body (full text with the description and
  the 防御指南), tts_text (what a loudspeaker reads), repeat (times a loudspeaker plays it), cap_xml (bytes), url
  (the warning's public page).
- `Address` (frozen): delivery_id (the app's Delivery row), address (phone / e-mail / terminal code / URL), name.
- `Outcome`: delivery_id, ok, receipt (gateway message id, SMTP message id, terminal ack …, or None), error (Chinese,
  naming the recipient and the reason; "" when ok), retryable, attempts; retry_after_s when the far side asked for
  a pause (HTTP Retry-After).
- `Channel` (abstract): `name` ("sms" / "email" / "loudspeaker" / "webhook"), `label` (Chinese), `configured()`,
  `send(message, addresses) -> list[Outcome]` — one outcome per address, in the order given, batched where the
  channel can; a recipient's failure (bad number, refusal, time-out, service down) is an Outcome, never an
  exception. Built with `Channel.from_config(dict)`; an unknown key is a ValueError naming it.
- `deliver(channel, message, addresses, attempts=3, backoff_s=(1, 4, 16), sleep=time.sleep)`: send, then send again
  what failed for a retryable reason, after an exponential, jittered and capped pause that is never shorter than
  a Retry-After the far side gave. Permanent failures (a bad phone number, HTTP 4xx other than 408/429, a
  refused mailbox) are not tried again. Each outcome carries the number of attempts made for it.

`channels.build(name, config)` makes a channel by name; `channels.config_from_env(os.environ)` reads the
YINGJI_SMS_* / YINGJI_SMTP_* / YINGJI_BROADCAST_* / YINGJI_WEBHOOK_* variables into the configs."""

import dataclasses
import email.utils
import random
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

LEVEL_COLOURS = {1: "红色", 2: "橙色", 3: "黄色", 4: "蓝色"}
MSG_TYPES = ("Alert", "Update", "Cancel")


@dataclass(frozen=True)
class Message:
    identifier: str
    msg_type: str
    event: str
    level: int
    colour: str
    headline: str
    sms_text: str
    body: str
    tts_text: str
    repeat: int
    cap_xml: bytes
    url: str

    def __post_init__(self):
        if self.msg_type not in MSG_TYPES:
            raise ValueError(f"消息类型 msg_type“{self.msg_type}”不正确：应为 Alert、Update 或 Cancel。")
        if self.level not in LEVEL_COLOURS:
            raise ValueError(f"预警级别 level“{self.level}”不正确：应为 1–4（1 为红色）。")
        if self.repeat < 1:
            raise ValueError(f"播放次数 repeat“{self.repeat}”不正确：应至少为 1。")

    def public_fields(self) -> dict:
        """Every field but the CAP XML bytes, as plain JSON values (the webhook adds the XML as a string)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "cap_xml"}


@dataclass(frozen=True)
class Address:
    delivery_id: int
    address: str
    name: str = ""


@dataclass
class Outcome:
    delivery_id: int
    ok: bool
    receipt: str | None = None
    error: str = ""
    retryable: bool = False
    attempts: int = 1
    retry_after_s: float | None = None


def success(address: Address, receipt: str | None) -> Outcome:
    return Outcome(address.delivery_id, True, receipt=receipt)


def failure(address: Address, error: str, *, retryable: bool, retry_after_s: float | None = None) -> Outcome:
    return Outcome(address.delivery_id, False, error=error, retryable=retryable, retry_after_s=retry_after_s)


class Channel(ABC):
    name: str = ""
    label: str = ""
    Config: type  # a dataclass of the channel's settings

    def __init__(self, config):
        self.config = config

    @classmethod
    def from_config(cls, config: dict | None = None) -> "Channel":
        known = {f.name for f in dataclasses.fields(cls.Config)}
        config = dict(config or {})
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"{cls.label}通道配置项“{unknown[0]}”未知：可用的配置项有 {', '.join(sorted(known))}。")
        return cls(cls.Config(**config))

    @abstractmethod
    def configured(self) -> bool:
        """Whether the settings are enough to send (a channel left unset is skipped, not an error)."""

    @abstractmethod
    def send(self, message: Message, addresses: list[Address]) -> list[Outcome]:
        """One outcome per address, in the order given; never raises for a recipient's failure."""


# --- HTTP status and Retry-After, shared by the HTTP channels -------------------------------------------------------

def http_retryable(status: int) -> bool:
    """5xx, 408 (request time-out) and 429 (too many requests) may pass later; every other 4xx will not."""
    return status >= 500 or status in (408, 429)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """The pause a Retry-After header asks for: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


# --- retries -------------------------------------------------------------------------------------------------------

def backoff_delay(retry: int, backoff_s: tuple[float, ...], *, jitter: Callable[[], float] = random.random,
                  max_wait_s: float = 60.0) -> float:
    """The pause before retry number `retry` (1 = the first retry): backoff_s[retry − 1], growing by the
    sequence's last ratio past its end, with "equal jitter" (between half and all of it, so that many workers
    retrying together spread out but none hammers at once), capped at max_wait_s."""
    base = backoff_s[min(retry, len(backoff_s)) - 1]
    if retry > len(backoff_s):
        ratio = backoff_s[-1] / backoff_s[-2] if len(backoff_s) > 1 and backoff_s[-2] > 0 else 2.0
        base = backoff_s[-1] * ratio ** (retry - len(backoff_s))
    return min(max_wait_s, base * (0.5 + 0.5 * jitter()))


def deliver(channel: Channel, message: Message, addresses: list[Address], *, attempts: int = 3,
            backoff_s: tuple[float, ...] = (1, 4, 16), sleep: Callable[[float], None] = time.sleep,
            max_wait_s: float = 60.0, max_retry_after_s: float = 300.0,
            jitter: Callable[[], float] = random.random,
            on_final: Callable[[list[Outcome]], None] | None = None) -> list[Outcome]:
    """Send to every address, retrying the retryable failures (see the module docstring). Returns one outcome per
    address in the order given. `on_final` is called after each round with the outcomes settled in it, so that
    the caller can record progress while the retries of the others wait.

    A Retry-After longer than max_retry_after_s is not waited for here: those outcomes stay failed and retryable
    (with retry_after_s) for the caller to schedule later rather than hold a worker."""
    if attempts < 1:
        raise ValueError(f"尝试次数 attempts“{attempts}”不正确：应至少为 1。")
    final: dict[int, Outcome] = {}
    pending = list(range(len(addresses)))
    for attempt in range(1, attempts + 1):
        outcomes = _send_safely(channel, message, [addresses[i] for i in pending])
        retry, settled, asked = [], [], 0.0
        for index, outcome in zip(pending, outcomes, strict=True):
            outcome.attempts = attempt
            too_long = (outcome.retry_after_s or 0) > max_retry_after_s
            if outcome.ok or not outcome.retryable or attempt == attempts or too_long:
                final[index] = outcome
                settled.append(outcome)
            else:
                retry.append(index)
                asked = max(asked, outcome.retry_after_s or 0.0)
        if on_final and settled:
            on_final(settled)
        if not retry:
            break
        pause = backoff_delay(attempt, backoff_s, jitter=jitter, max_wait_s=max_wait_s)
        sleep(max(pause, asked))
        pending = retry
    return [final[i] for i in range(len(addresses))]


def _send_safely(channel: Channel, message: Message, addresses: list[Address]) -> list[Outcome]:
    """channel.send, held to its contract: a bug in a channel fails these recipients (permanently, with the
    exception's type for the log) instead of killing the whole send."""
    if not addresses:
        return []
    try:
        outcomes = channel.send(message, addresses)
    except Exception as exc:  # noqa: BLE001 — a channel bug must not lose the other recipients' records
        print(f"channel {channel.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return [failure(a, f"{a.address}：{channel.label}通道内部错误（{type(exc).__name__}），请联系系统管理员。",
                        retryable=False) for a in addresses]
    ids = [o.delivery_id for o in outcomes]
    if ids != [a.delivery_id for a in addresses]:
        raise RuntimeError(f"channel {channel.name} returned outcomes for {ids[:5]}… instead of one per address")
    return outcomes

