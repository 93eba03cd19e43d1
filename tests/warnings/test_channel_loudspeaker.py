"""The loudspeaker channel (应急广播/大喇叭) on the real MQTT broker (Mosquitto on 127.0.0.1:1883; a failure under
CI=true when it is down, a skip elsewhere), with simulated terminals (channels/terminals.py) under a topic prefix
unique to each test: five terminals, one silent (it fails after the ack time-out, the others have receipts), a
busy one that plays on the retry, the command's flags and MQTT 5 properties, a Cancel, and a broker that is not
there."""

import json
import signal
import subprocess
import sys
import time

import pytest

from yingji.warnings.channels import Address, build, deliver
from yingji.warnings.channels.terminals import SimulatedTerminal

from .stubs import free_port, require_broker, sample_message, unique


@pytest.fixture(scope="module")
def broker():
    return require_broker()


@pytest.fixture
def prefix():
    return f"test/{unique('bcast')}/yingji/v1"


@pytest.fixture
def fleet(broker, prefix):
    started = []

    def make(code, **options):
        terminal = SimulatedTerminal(code, *broker, prefix, **options).start()
        started.append(terminal)
        return terminal

    yield make
    for terminal in started:
        terminal.stop()


def loudspeakers(broker, prefix, ack_timeout_s=2.0):
    host, port = broker
    return build("loudspeaker", {"host": host, "port": port, "prefix": prefix, "ack_timeout_s": ack_timeout_s})


def test_five_terminals_one_silent(broker, prefix, fleet):
    codes = [f"LZ-HL-{n:03d}" for n in range(1, 6)]
    terminals = [fleet(code, mode="silent" if code == "LZ-HL-004" else "play") for code in codes]
    message = sample_message()
    channel = loudspeakers(broker, prefix, ack_timeout_s=2.0)
    started = time.monotonic()
    out = channel.send(message, [Address(i + 1, code, f"{code} 村委会") for i, code in enumerate(codes)])
    elapsed = time.monotonic() - started
    assert [o.ok for o in out] == [True, True, True, False, True]
    assert 2.0 <= elapsed < 5.0  # waited the time-out for the silent one, no more
    silent = out[3]
    assert silent.error == "终端 LZ-HL-004 未在 2 秒内确认播放" and silent.retryable and silent.receipt is None
    for terminal, outcome in zip(terminals, out, strict=True):
        assert len(terminal.received) == 1  # each got its own command, silent one included
        if outcome.ok:
            assert outcome.receipt == terminal.acks[0]["ack_id"]
            assert terminal.now_playing == message.identifier
    command = terminals[0].played[0]
    assert {k: command[k] for k in ("id", "msg_type", "wake", "force", "level", "colour", "text", "repeat", "cancel")} == {
        "id": message.identifier, "msg_type": "Alert", "wake": True, "force": True, "level": 2, "colour": "橙色",
        "text": message.tts_text, "repeat": 3, "cancel": False}
    properties = terminals[0].properties[0]
    assert properties.ResponseTopic == f"{prefix}/terminals/LZ-HL-001/ack"
    assert properties.CorrelationData == message.identifier.encode()
    assert 0 < properties.MessageExpiryInterval <= 600


def test_answers_as_soon_as_all_have_acked(broker, prefix, fleet):
    for n in range(3):
        fleet(f"T-{n}")
    started = time.monotonic()
    out = loudspeakers(broker, prefix, ack_timeout_s=10).send(sample_message(), [Address(n, f"T-{n}") for n in range(3)])
    assert all(o.ok for o in out)
    assert time.monotonic() - started < 3  # not the 10 s time-out


def test_busy_terminal_plays_on_the_retry(broker, prefix, fleet):
    busy = fleet("LZ-TC-001", busy_times=1)
    always_busy = fleet("LZ-TC-002", mode="busy")
    pauses = []
    out = deliver(loudspeakers(broker, prefix), sample_message(), [Address(1, "LZ-TC-001"), Address(2, "LZ-TC-002")],
                  attempts=3, sleep=pauses.append, jitter=lambda: 0.0)
    assert out[0].ok and out[0].attempts == 2 and len(busy.received) == 2 and len(busy.played) == 1
    assert not out[1].ok and out[1].retryable and out[1].attempts == 3
    assert out[1].error == "终端 LZ-TC-002 忙，未播放（正在播放其他应急内容）"
    assert len(always_busy.received) == 3 and not always_busy.played
    assert pauses == [0.5, 2.0]


def test_cancel_stops_the_broadcast(broker, prefix, fleet):
    terminal = fleet("LZ-SZ-001")
    channel = loudspeakers(broker, prefix)
    alert = sample_message()
    assert channel.send(alert, [Address(1, "LZ-SZ-001")])[0].ok
    assert terminal.now_playing == alert.identifier
    cancel = sample_message(msg_type="Cancel", tts_text="乡亲们请注意，暴雨橙色预警已解除。", repeat=1)
    assert channel.send(cancel, [Address(2, "LZ-SZ-001")])[0].ok
    assert terminal.played[-1]["cancel"] is True and terminal.now_playing is None


def test_bad_terminal_codes_are_permanent_and_not_published(broker, prefix, fleet):
    fleet("OK-1")
    out = loudspeakers(broker, prefix).send(sample_message(), [Address(1, "a/b"), Address(2, "#"), Address(3, "OK-1")])
    assert [o.ok for o in out] == [False, False, True]
    assert out[0].error.startswith("终端编号“a/b”不合法") and not out[0].retryable


def test_an_unreachable_broker_fails_every_terminal_retryably():
    port = free_port()
    channel = build("loudspeaker", {"host": "127.0.0.1", "port": port, "connect_timeout_s": 2})
    out = deliver(channel, sample_message(), [Address(1, "T-1"), Address(2, "T-2")], attempts=2, sleep=lambda s: None)
    assert all(not o.ok and o.retryable and o.attempts == 2 for o in out)
    assert out[0].error == f"终端 T-1：广播平台 MQTT 服务器 127.0.0.1:{port} 无法连接（Connection refused）"


def test_the_demo_fleet_from_the_command_line(broker, prefix):
    """`python -m yingji.warnings.channels.terminals CODE…`: the terminals the demo runs, one JSON line a command."""
    host, port = broker
    fleet = subprocess.Popen([sys.executable, "-m", "yingji.warnings.channels.terminals", "--host", host, "--port",
                              str(port), "--prefix", prefix, "LZ-DEMO-1", "LZ-DEMO-2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "2 个模拟终端已就绪" in fleet.stderr.readline()
        message = sample_message()
        out = loudspeakers(broker, prefix).send(message, [Address(1, "LZ-DEMO-1"), Address(2, "LZ-DEMO-2")])
        assert all(o.ok for o in out)
        lines = sorted((json.loads(fleet.stdout.readline()) for _ in range(2)), key=lambda line: line["terminal"])
        assert [(line["terminal"], line["status"], line["id"]) for line in lines] == [
            ("LZ-DEMO-1", "played", message.identifier), ("LZ-DEMO-2", "played", message.identifier)]
    finally:
        fleet.send_signal(signal.SIGTERM)
        assert fleet.wait(10) == 0
