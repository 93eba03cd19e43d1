"""E-mail over SMTP: one connection for the whole batch (STARTTLS, implicit TLS or plain; login when a user is
set), one message per recipient so that each delivery has its own refusal or receipt. Subject: the headline;
text body: the full text and the public page; attached: the CAP XML as <identifier>.xml (application/xml).

The receipt is the Message-ID we gave the message, followed by the server's answer to DATA (often
"queued as …"), which is what a mail log is searched by. A mailbox the server refuses with 5xx is a permanent
failure; 4xx, a dropped connection or an unreachable server is retryable."""

import re
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address as MailAddress
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from .base import Address, Channel, Message, Outcome, failure, success

SMTP_POLICY = policy.SMTP  # CRLF line ends, RFC 2047 headers: what DATA expects
MAILBOX = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


@dataclass
class EmailConfig:
    host: str = ""
    port: int = 0  # 0: 465 with ssl, 587 with starttls, 25 otherwise
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    password: str = ""
    from_addr: str = ""
    from_name: str = "应急管理局预警信息发布"
    timeout_s: float = 30.0
    verify_tls: bool = True

    def __post_init__(self):
        if self.security not in ("starttls", "ssl", "none"):
            raise ValueError(f"邮件通道配置项 security“{self.security}”不正确：应为 starttls、ssl 或 none。")
        if not self.port:
            self.port = {"ssl": 465, "starttls": 587}.get(self.security, 25)


class EmailChannel(Channel):
    name = "email"
    label = "邮件"
    Config = EmailConfig

    def configured(self) -> bool:
        return bool(self.config.host and self.config.from_addr)

    def send(self, message: Message, addresses: list[Address]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        valid = []
        for index, address in enumerate(addresses):
            if MAILBOX.fullmatch(address.address.strip()):
                valid.append(index)
            else:
                outcomes[index] = failure(address, f"邮箱“{address.address}”格式不正确", retryable=False)
        if valid:
            self._send_all(message, [(i, addresses[i]) for i in valid], outcomes)
        return [outcomes[i] for i in range(len(addresses))]

    def _send_all(self, message: Message, todo: list[tuple[int, Address]], outcomes: dict[int, Outcome]):
        c = self.config
        server = f"{c.host}:{c.port}"
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            reason = f"邮件服务器 {server} 拒绝登录用户 {c.user}（{exc.smtp_code}）"
            for index, address in todo:
                outcomes[index] = failure(address, f"邮箱 {address.address}：{reason}", retryable=False)
            return
        except (OSError, smtplib.SMTPException) as exc:
            reason = _why(exc, server, c.timeout_s)
            settings_wrong = isinstance(exc, smtplib.SMTPNotSupportedError)  # no retry mends a setting
            for index, address in todo:
                outcomes[index] = failure(address, f"邮箱 {address.address}：{reason}", retryable=not settings_wrong)
            return
        try:
            for n, (index, address) in enumerate(todo):
                try:
                    outcomes[index] = self._send_one(smtp, message, address)
                except (smtplib.SMTPServerDisconnected, OSError) as exc:
                    reason = _why(exc, server, c.timeout_s)
                    for later_index, later in todo[n:]:  # the connection is gone: the rest wait for a retry
                        outcomes[later_index] = failure(later, f"邮箱 {later.address}：{reason}", retryable=True)
                    return
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        context = None
        if c.security != "none":  # loading the CA store costs ~0.1 s
            context = ssl.create_default_context() if c.verify_tls else ssl._create_unverified_context()  # noqa: S323
        if c.security == "ssl":
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout_s)
        try:
            smtp.ehlo()
            if c.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if c.user:
                _login(smtp, c.user, c.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _send_one(self, smtp: smtplib.SMTP, message: Message, address: Address) -> Outcome:
        """MAIL, RCPT, DATA by hand (not sendmail) to read the server's answer to each: the refusal of this one
        mailbox, or the queue id of the accepted message."""
        mail = self.compose(message, address)
        mailbox = address.address.strip()
        code, answer = smtp.mail(self.config.from_addr, ["SMTPUTF8"] if _needs_utf8(mailbox, smtp) else [])
        if code != 250:
            smtp.rset()
            return _refused(address, "发件人", code, answer)
        code, answer = smtp.rcpt(mailbox)
        if code not in (250, 251):
            smtp.rset()
            return _refused(address, "收件人", code, answer)
        code, answer = smtp.data(mail.as_bytes(policy=SMTP_POLICY))
        if code != 250:
            smtp.rset()
            return _refused(address, "邮件内容", code, answer)
        queued = answer.decode("utf-8", errors="replace").strip()
        return success(address, f"{mail['Message-ID']} {queued}".strip()[:255])

    def compose(self, message: Message, address: Address) -> EmailMessage:
        c = self.config
        mail = EmailMessage()
        mail["Subject"] = message.headline
        mail["From"] = _mail_address(c.from_name, c.from_addr)
        mail["To"] = _mail_address(address.name, address.address.strip())
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(idstring=str(address.delivery_id), domain=c.from_addr.rpartition("@")[2] or None)
        mail["X-CAP-Identifier"] = message.identifier
        mail.set_content(f"{message.body}\n\n详情：{message.url}\n" if message.url else f"{message.body}\n")
        mail.add_attachment(message.cap_xml, maintype="application", subtype="xml",
                            filename=f"{message.identifier}.xml")
        return mail


def _login(smtp: smtplib.SMTP, user: str, password: str):
    """One mechanism, the first the server offers of PLAIN, LOGIN, CRAM-MD5: smtplib.login() would try the next
    after a refusal, and servers that drop the connection on a second failed AUTH turn a wrong password into a
    "disconnected" that looks retryable."""
    offered = (smtp.esmtp_features.get("auth") or "").upper().split()
    smtp.user, smtp.password = user, password
    for mechanism, answer in (("PLAIN", smtp.auth_plain), ("LOGIN", smtp.auth_login), ("CRAM-MD5", smtp.auth_cram_md5)):
        if mechanism in offered:
            smtp.auth(mechanism, answer, initial_response_ok=True)
            return
    raise smtplib.SMTPNotSupportedError("AUTH")


def _mail_address(name: str, mailbox: str):
    local, _, domain = mailbox.rpartition("@")
    try:
        return MailAddress(display_name=name or "", username=local, domain=domain)
    except (ValueError, IndexError):
        return mailbox


def _needs_utf8(mailbox: str, smtp: smtplib.SMTP) -> bool:
    return not mailbox.isascii() and smtp.has_extn("smtputf8")


def _refused(address: Address, what: str, code: int, answer: bytes) -> Outcome:
    text = answer.decode("utf-8", errors="replace").strip()[:120]
    return failure(address, f"邮箱 {address.address}：邮件服务器拒绝{what}（{code} {text}）",
                   retryable=400 <= code < 500)


def _why(exc: BaseException, server: str, timeout_s: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"邮件服务器 {server} 在 {timeout_s:g} 秒内未响应"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"邮件服务器 {server} 断开了连接"
    if isinstance(exc, ssl.SSLError):
        return f"邮件服务器 {server} TLS 握手失败（{exc.reason or exc}）"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"邮件服务器 {server} 不支持 {'AUTH 登录' if exc.args == ('AUTH',) else 'STARTTLS'}（检查 security 与 user 配置）"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器 {server} 返回 {exc.smtp_code}（{exc.smtp_error.decode('utf-8', 'replace')[:80]}）"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
    return f"邮件服务器 {server} 无法连接（{reason}）"
