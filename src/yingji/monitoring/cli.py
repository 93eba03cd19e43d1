"""`yingji ingest …` (take readings from the broker) and `yingji monitoring …` (alarms, readings, the stale
check, storage). The commands live beside what they drive: cli_ingest.py, cli_alarms.py, cli_storage.py."""

import click


@click.group("ingest")
def ingest():
    """监测数据接入（MQTT）。"""


@click.group("monitoring")
def monitoring():
    """监测预警：报警、读数、离线检查、数据保留。"""


from . import cli_alarms, cli_ingest, cli_storage  # noqa: E402,F401  (they add their commands to the groups)

commands = [ingest, monitoring]
