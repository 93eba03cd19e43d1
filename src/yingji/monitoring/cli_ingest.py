"""`yingji ingest mqtt`: the MQTT consumer (monitoring/mqtt.py) as a command."""

import sys

import click

from .cli import ingest


@ingest.command("mqtt")
@click.option("--host", default=None, help="MQTT 服务器地址（默认 YINGJI_MQTT_HOST，127.0.0.1）")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="端口（默认 YINGJI_MQTT_PORT，1883）")
@click.option("--username", default=None, help="用户名")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="存放密码的文件（第一行；不在命令行上给出密码）")
@click.option("--tls", is_flag=True, help="使用 TLS（通常端口 8883）")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), default=None, help="CA 证书文件（隐含 --tls）")
@click.option("--client-id", default="", help="客户端编号：须稳定（断线重连后取回未确认的消息），多个进程各不相同")
@click.option("--protocol", type=click.Choice(["5", "3.1.1"]), default="5", show_default=True, help="MQTT 协议版本")
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 100_000), help="每批最多读数条数")
@click.option("--batch-ms", default=50, show_default=True, type=click.IntRange(0, 60_000), help="每批最长等待（毫秒）")
@click.option("--share-group", default=None, help="MQTT 5 共享订阅组（默认 YINGJI_MQTT_SHARE_GROUP；空字符串则不共享）")
@click.option("--topic-prefix", default="yingji/v1", show_default=True, help="主题前缀：<前缀>/sensors/<编码>/readings")
@click.option("--session-expiry", default=7 * 24 * 3600, show_default=True, type=click.IntRange(0, 2**32 - 1),
              help="MQTT 5 会话保留时长（秒）：消费进程停机期间的消息保留这么久")
def mqtt_command(host, port, username, password_file, tls, ca_file, client_id, protocol, batch_size, batch_ms,
                 share_group, topic_prefix, session_expiry):
    """接收 MQTT 监测读数（QoS 1，入库提交后才确认）：yingji/v1/sensors/<编码>/readings。"""
    from yingji.cli import setup_django

    setup_django()
    from django.conf import settings

    from .mqtt import Consumer, Options

    password = None
    if password_file:
        with open(password_file, encoding="utf-8") as f:
            password = f.readline().rstrip("\r\n")
    options = Options(
        host=host or settings.YINGJI_MQTT_HOST, port=port or settings.YINGJI_MQTT_PORT, username=username,
        password=password, tls=tls, ca_file=ca_file, client_id=client_id, protocol=protocol, batch_size=batch_size,
        batch_ms=batch_ms, share_group=settings.YINGJI_MQTT_SHARE_GROUP if share_group is None else share_group,
        topic_prefix=topic_prefix, session_expiry_s=session_expiry)
    sys.exit(Consumer(options).run())
