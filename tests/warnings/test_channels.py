"""The channel interface without a network: deliver()'s retries (which outcomes are sent again, after which
pause, how Retry-After and permanent errors are honoured), the settings read from the environment, the message's
own checks and the mainland phone rule with its boundaries. The channels against real services are in
test_channel_*.py."""

import dataclasses

import pytest

from yingji.warnings.channels import (
    Address,
    Channel,
    Outcome,
    backoff_delay,
    build,
    config_from_env,
    deliver,
    env_names,
    normalise_phone,
)
from yingji.warnings.channels.base import failure, retry_after_seconds, success

from .stubs import sample_message


@dataclasses.dataclass
class ScriptConfig:
    script: dict = dataclasses.field(default_factory=dict)  # address → outcomes per attempt: "ok", "retry", "fail", 30.0


class ScriptedChannel(Channel):
    """A channel whose recipients behave as scripted per attempt: the subject here is deliver(), not a network."""

    name, label, Config = "scripted", "脚本", ScriptConfig

    def __init__(self, config):
        super().__init__(config)
        self.calls: list[list[str]] = []

    def configured(self):
        return True

    def send(self, message, addresses):
        self.calls.append([a.address for a in addresses])
        outcomes = []
        for a in addresses:
            step = self.config.script[a.address][min(len(self.calls), len(self.config.script[a.address])) - 1]
            if step == "ok":
                outcomes.append(success(a, f"r-{a.address}-{len(self.calls)}"))
            elif step == "fail":
                outcomes.append(failure(a, f"{a.address}：永久失败", retryable=False))
            elif isinstance(step, float):
                outcomes.append(failure(a, f"{a.address}：HTTP 429", retryable=True, retry_after_s=step))
            else:
                outcomes.append(failure(a, f"{a.address}：暂时失败", retryable=True))
        return outcomes


def addresses(*names):
    return [Address(i + 1, name) for i, name in enumerate(names)]


def test_deliver_retries_only_the_retryable_and_counts_attempts():
    channel = ScriptedChannel.from_config({"script": {"a": ["ok"], "b": ["retry", "ok"], "c": ["fail"],
                                                      "d": ["retry", "retry", "retry"]}})
    pauses = []
    settled = []
    out = deliver(channel, sample_message(), addresses("a", "b", "c", "d"), sleep=pauses.append,
                  jitter=lambda: 1.0, on_final=lambda o: settled.append([x.delivery_id for x in o]))
    assert channel.calls == [["a", "b", "c", "d"], ["b", "d"], ["d"]]
    assert [(o.delivery_id, o.ok, o.attempts) for o in out] == [(1, True, 1), (2, True, 2), (3, False, 1), (4, False, 3)]
    assert out[1].receipt == "r-b-2"
    assert out[2].error == "c：永久失败" and not out[2].retryable
    assert out[3].retryable and out[3].error == "d：暂时失败"  # left for the caller to schedule later
    assert pauses == [1.0, 4.0]  # backoff_s (1, 4, 16) with the jitter at its top
    assert settled == [[1, 3], [2], [4]]


def test_retry_after_is_a_floor_and_a_long_one_is_left_to_the_caller():
    channel = ScriptedChannel.from_config({"script": {"a": [30.0, "ok"], "b": [900.0, "ok"]}})
    pauses = []
    out = deliver(channel, sample_message(), addresses("a", "b"), sleep=pauses.append, jitter=lambda: 0.0)
    assert pauses == [30.0]  # not the jittered 0.5 s: the gateway asked for 30
    assert out[0].ok and out[0].attempts == 2
    assert not out[1].ok and out[1].retryable and out[1].retry_after_s == 900.0 and out[1].attempts == 1
    assert channel.calls == [["a", "b"], ["a"]]


def test_a_channel_bug_fails_its_batch_permanently_instead_of_raising():
    class Broken(ScriptedChannel):
        def send(self, message, addresses):
            raise KeyError("oops")

    out = deliver(Broken.from_config({}), sample_message(), addresses("a"), sleep=lambda s: None)
    assert not out[0].ok and not out[0].retryable and "内部错误（KeyError）" in out[0].error


@pytest.mark.parametrize(("retry", "jitter", "expected"), [
    (1, 1.0, 1.0), (2, 1.0, 4.0), (3, 1.0, 16.0), (4, 1.0, 60.0),  # 64 past the sequence, capped at 60
    (1, 0.0, 0.5), (3, 0.0, 8.0),  # equal jitter: never below half
])
def test_backoff_is_exponential_jittered_and_capped(retry, jitter, expected):
    assert backoff_delay(retry, (1, 4, 16), jitter=lambda: jitter, max_wait_s=60) == expected


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("13912345678", "13912345678"), ("19912345678", "19912345678"), ("+86 139-1234-5678", "13912345678"),
    ("008613912345678", "13912345678"), ("8613912345678", "13912345678"),
    ("12912345678", None),  # 12x is not a mobile range
    ("1391234567", None), ("139123456789", None),  # 10 and 12 digits
    ("1234", None), ("", None), ("02887654321", None),  # a landline
])
def test_mainland_mobile_numbers(raw, expected):
    assert normalise_phone(raw) == expected


def test_message_checks_its_fields():
    with pytest.raises(ValueError, match="msg_type“Ack”"):
        sample_message(msg_type="Ack")
    with pytest.raises(ValueError, match="level“5”"):
        sample_message(level=5)
    with pytest.raises(ValueError, match="repeat“0”"):
        sample_message(repeat=0)


def test_settings_from_the_environment():
    env = {"YINGJI_SMS_URL": "http://gw/send?phone={phone}&text={text}", "YINGJI_SMS_BATCH_SIZE": "500",
           "YINGJI_SMS_BODY": '{"mobiles": "{phones}"}', "YINGJI_SMS_OK_VALUES": "0,OK",
           "YINGJI_SMTP_HOST": "smtp.example.cn", "YINGJI_SMTP_VERIFY_TLS": "false",
           "YINGJI_BROADCAST_ACK_TIMEOUT_S": "45", "YINGJI_WEBHOOK_SECRETS": '{"http://a/": "k"}'}
    configs = config_from_env(env)
    assert configs["sms"]["batch_size"] == 500 and configs["sms"]["ok_values"] == ("0", "OK")
    assert configs["email"] == {"host": "smtp.example.cn", "verify_tls": False}
    assert configs["loudspeaker"] == {"ack_timeout_s": 45.0}
    assert configs["webhook"] == {"secrets": {"http://a/": "k"}}
    sms = build("sms", configs["sms"])
    assert sms.configured() and sms.config.body == {"mobiles": "{phones}"} and sms.config.method == "POST"
    assert not build("loudspeaker", configs["loudspeaker"]).configured()  # no host: skipped, not an error
    assert "YINGJI_BROADCAST_PREFIX" in env_names("loudspeaker")
    with pytest.raises(ValueError, match="YINGJI_SMS_BATCH_SIZE=“many”.*整数"):
        config_from_env({"YINGJI_SMS_BATCH_SIZE": "many"})
    with pytest.raises(ValueError, match="YINGJI_SMTP_VERIFY_TLS"):
        config_from_env({"YINGJI_SMTP_VERIFY_TLS": "maybe"})


def test_bad_settings_name_the_setting():
    with pytest.raises(ValueError, match="短信通道配置项“token”未知"):
        build("sms", {"token": "x"})
    with pytest.raises(ValueError, match="占位符“{mobile}”未知"):
        build("sms", {"url": "http://gw/send?m={mobile}"})
    with pytest.raises(ValueError, match="security“tls”"):
        build("email", {"security": "tls"})
    with pytest.raises(ValueError, match="发布渠道“fax”未知"):
        build("fax")


def test_outcome_shape_is_what_the_app_records():
    assert [f.name for f in dataclasses.fields(Outcome)][:6] == ["delivery_id", "ok", "receipt", "error",
                                                                  "retryable", "attempts"]
    message = sample_message()
    assert "cap_xml" not in message.public_fields() and message.public_fields()["repeat"] == 3
