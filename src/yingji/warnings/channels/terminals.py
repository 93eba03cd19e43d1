"""Simulated loudspeaker terminals (大喇叭终端) for the demo and the tests: each subscribes to its play topic on a
real MQTT broker, records what it "played" and acknowledges as a terminal does (see loudspeaker.py).

    with SimulatedTerminal("LZ-HL-001", "127.0.0.1", 1883, "yingji/v1") as terminal:
        ...                                  # send through LoudspeakerChannel
        terminal.played                      # the play commands it played, in order

Behaviours: mode="play" (plays and acks "played"), "silent" (receives, never answers: a terminal off the air),
"busy" (answers "busy"); busy_times=N answers "busy" N times, then plays (shows deliver()'s retries).

For the demo, a fleet from the command line, one JSON line per command received:

    python -m yingji.warnings.channels.terminals --prefix yingji/v1 LZ-HL-001 LZ-HL-002 …"""

import argparse
import json
import signal
import sys
import threading
import time
import uuid
from datetime import datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from .loudspeaker import BEIJING, ack_topic, play_topic

MODES = ("play", "silent", "busy")


class SimulatedTerminal:
    def __init__(self, code: str, host: str = "127.0.0.1", port: int = 1883, prefix: str = "yingji/v1", *,
                 mode: str = "play", busy_times: int = 0, play_s: float = 0.0, username: str = "",
                 password: str = "", on_command=None):
        if mode not in MODES:
            raise ValueError(f"模拟终端的模式“{mode}”不正确：应为 {'、'.join(MODES)}。")
        self.code, self.host, self.port, self.prefix = code, host, port, prefix
        self.mode, self.busy_times, self.play_s = mode, busy_times, play_s
        self.on_command = on_command
        self.received: list[dict] = []  # every command that arrived
        self.played: list[dict] = []  # the commands it played (acked "played")
        self.acks: list[dict] = []  # what it answered
        self.properties: list = []  # the MQTT 5 properties of each command (ResponseTopic, CorrelationData …)
        self.lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sim-{code}-{uuid.uuid4().hex[:8]}"[:64],
                                  protocol=mqtt.MQTTv5)
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.on_message = self._on_message

    @property
    def now_playing(self) -> str | None:
        """The identifier on the air: the last one played, unless a Cancel of it came after."""
        with self.lock:
            if not self.played or self.played[-1].get("cancel"):
                return None
            return self.played[-1].get("id")

    def start(self, timeout: float = 10.0) -> "SimulatedTerminal":
        self.client.connect(self.host, self.port, keepalive=30, clean_start=True)
        self.client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise TimeoutError(f"模拟终端 {self.code} 在 {timeout:g} 秒内未能订阅 {play_topic(self.prefix, self.code)}")
        return self

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if not reason_code.is_failure:
            client.subscribe(play_topic(self.prefix, self.code), qos=1)

    def _on_message(self, client, userdata, message):
        try:
            command = json.loads(message.payload)
        except ValueError:
            return
        with self.lock:
            self.received.append(command)
            self.properties.append(message.properties)
            status = self._decide()
        if self.on_command:
            self.on_command(self, command, status)
        if status is None:
            return
        if status == "played":
            time.sleep(self.play_s)
            with self.lock:
                self.played.append(command)
        ack = {"id": command.get("id"), "terminal": self.code, "status": status,
               "at": datetime.now(BEIJING).isoformat(timespec="seconds"), "ack_id": f"{self.code}-{uuid.uuid4().hex[:12]}"}
        if status == "busy":
            ack["detail"] = "正在播放其他应急内容"
        with self.lock:
            self.acks.append(ack)
        client.publish(ack_topic(self.prefix, self.code), json.dumps(ack, ensure_ascii=False).encode(), qos=1)

    def _decide(self) -> str | None:
        if self.mode == "silent":
            return None
        if self.mode == "busy":
            return "busy"
        if self.busy_times > 0:
            self.busy_times -= 1
            return "busy"
        return "played"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="模拟大喇叭终端：订阅播放主题，打印收到的指令并应答。")
    parser.add_argument("codes", nargs="+", help="终端编号")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--prefix", default="yingji/v1")
    parser.add_argument("--mode", choices=MODES, default="play")
    args = parser.parse_args(argv)

    def show(terminal, command, status):
        print(json.dumps({"terminal": terminal.code, "status": status, **command}, ensure_ascii=False), flush=True)

    terminals = [SimulatedTerminal(code, args.host, args.port, args.prefix, mode=args.mode, on_command=show).start()
                 for code in args.codes]
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"{len(terminals)} 个模拟终端已就绪（{args.prefix}/terminals/+/play），Ctrl-C 结束。", file=sys.stderr, flush=True)
    stop.wait()
    for terminal in terminals:
        terminal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
