"""The e-mail channel against a real SMTP server on localhost (aiosmtpd, stubs.SmtpSink): the message that
arrives (subject, body, the CAP XML attached as <identifier>.xml), one connection for the batch, a refused and a
deferred mailbox, login, and an unreachable server."""

import pytest

from yingji.warnings.channels import Address, build, deliver

from .stubs import SmtpSink, free_port, sample_message

FROM = "yujing@lezhi.gov.cn"
# The sink takes AUTH over plain text (a local test server); aiosmtpd warns about it and about its own internals.
pytestmark = [pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
              pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")]


def channel(sink, **extra):
    return build("email", {"host": "127.0.0.1", "port": sink.port, "security": "none", "from_addr": FROM,
                           "from_name": "乐至县应急管理局", "timeout_s": 5, **extra})


def test_the_sink_receives_subject_body_and_the_cap_attachment():
    message = sample_message()
    recipients = [Address(1, "zhang.san@example.cn", "张三"), Address(2, "li.si@example.cn", "李四"),
                  Address(3, "wang.wu@example.cn")]
    with SmtpSink() as sink:
        out = deliver(channel(sink), message, recipients, sleep=pytest.fail)
    assert sink.ehlos == 1  # one connection for the batch
    assert [rcpt for rcpt, _ in sink.messages] == [[r.address] for r in recipients]
    assert all(o.ok for o in out)
    _, mail = sink.messages[0]
    assert mail["Subject"] == message.headline
    assert mail["To"] == "张三 <zhang.san@example.cn>" and mail["From"] == f"乐至县应急管理局 <{FROM}>"
    assert mail["X-CAP-Identifier"] == message.identifier
    text = mail.get_body(("plain",)).get_content()
    assert "防御指南" in text and message.url in text
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/xml"
    assert attachment.get_filename() == f"{message.identifier}.xml"
    assert attachment.get_content() == message.cap_xml  # base64: byte for byte
    assert out[0].receipt.startswith(mail["Message-ID"]) and out[0].receipt.endswith("queued as Q000001")
    assert len({o.receipt for o in out}) == 3


def test_refused_deferred_and_malformed_mailboxes():
    recipients = [Address(1, "ok@example.cn"), Address(2, "gone@example.cn"), Address(3, "busy@example.cn"),
                  Address(4, "not-an-address"), Address(5, "ok2@example.cn")]
    with SmtpSink(refuse=("gone@example.cn",), defer=("busy@example.cn",)) as sink:
        out = deliver(channel(sink), sample_message(), recipients, attempts=2, sleep=lambda s: None)
    assert [o.ok for o in out] == [True, False, False, False, True]
    assert out[1].error.startswith("邮箱 gone@example.cn：邮件服务器拒绝收件人（550") and not out[1].retryable
    assert out[2].error.startswith("邮箱 busy@example.cn：邮件服务器拒绝收件人（451") and out[2].retryable
    assert out[2].attempts == 2 and out[1].attempts == 1
    assert out[3].error == "邮箱“not-an-address”格式不正确" and not out[3].retryable
    assert [rcpt for rcpt, _ in sink.messages] == [["ok@example.cn"], ["ok2@example.cn"]]  # none sent twice


def test_login_with_the_configured_user():
    with SmtpSink(credentials=("yujing", "s3cret")) as sink:
        good = channel(sink, user="yujing", password="s3cret").send(sample_message(), [Address(1, "a@example.cn")])
        bad = deliver(channel(sink, user="yujing", password="wrong"), sample_message(), [Address(2, "b@example.cn")],
                      sleep=pytest.fail)
    assert good[0].ok and len(sink.messages) == 1
    assert not bad[0].ok and not bad[0].retryable
    assert bad[0].error == f"邮箱 b@example.cn：邮件服务器 127.0.0.1:{sink.port} 拒绝登录用户 yujing（535）"


def test_an_unreachable_server_is_retryable():
    port = free_port()
    smtp = build("email", {"host": "127.0.0.1", "port": port, "security": "none", "from_addr": FROM, "timeout_s": 2})
    out = deliver(smtp, sample_message(), [Address(1, "a@example.cn")], attempts=2, sleep=lambda s: None)
    assert not out[0].ok and out[0].retryable and out[0].attempts == 2
    assert out[0].error == f"邮箱 a@example.cn：邮件服务器 127.0.0.1:{port} 无法连接（Connection refused）"


def test_starttls_against_a_server_without_it_says_so():
    with SmtpSink() as sink:
        out = channel(sink, security="starttls").send(sample_message(), [Address(1, "a@example.cn")])
    assert not out[0].ok and not out[0].retryable
    assert out[0].error == f"邮箱 a@example.cn：邮件服务器 127.0.0.1:{sink.port} 不支持 STARTTLS（检查 security 与 user 配置）"
    assert not sink.messages


def test_configured_needs_a_host_and_a_sender():
    assert not build("email", {"host": "smtp.example.cn"}).configured()
    assert build("email", {"host": "smtp.example.cn", "from_addr": FROM}).configured()
    assert build("email", {"security": "ssl"}).config.port == 465
