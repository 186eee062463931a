"""Push the outputs where people work: Moodle notifications, PDFs into Moodle, PDFs by e-mail.

Writes are never retried blindly: each attempt is recorded (channel, recipient, what,
content hash, result) and a rerun skips what was already sent with the same content.
``dry_run`` lists what would be sent and sends nothing.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from connector.config import PushConfig, SmtpConfig
from connector.errors import MoodleError, PushError, TransportError
from connector.moodle import MoodleClient
from connector.render import RenderResult
from connector.safe_text import one_line, redact_text
from connector.store.db import transaction
from connector.store.lock import verify_lock
from connector.store.outputs import already_sent, finish_push, record_push
from reports.render import digest_message

log = logging.getLogger(__name__)


@dataclass
class PushResult:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # same content already sent
    failed: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)  # dry run


def _attempt(sessions: sessionmaker[Session], res: PushResult, channel: str, recipient: str, what: str,
             digest: str, dry_run: bool, send: Callable[[], str | None]) -> None:
    """One send, at most once per content: the attempt is recorded ("sending") before the call and closed
    after it. A run killed in between leaves "sending": the next run does not send again (Moodle may have
    accepted it) and lists it as unknown, to be checked by hand."""
    label = f"{channel} → {recipient}: {what}"
    with sessions() as s:
        previous = already_sent(s, channel, recipient, digest)
    if previous:
        res.skipped.append(label if previous == "sent" else f"{label} (outcome unknown: check in Moodle)")
        return
    if dry_run:
        res.planned.append(label)
        return
    verify_lock()  # a run that lost its lock sends nothing: another run may be sending the same
    with transaction(sessions) as s:
        record_id = record_push(s, channel, recipient, what, digest, "sending", None)
    try:
        detail, status = send(), "sent"
    except (MoodleError, TransportError, PushError) as exc:
        detail, status = str(exc), "failed"
    except Exception as exc:  # noqa: BLE001 - after the call: it may have been sent; never resend blindly
        detail, status = f"unexpected {type(exc).__name__} after the call: outcome unknown, check in Moodle", "unknown"
    detail = one_line(redact_text(detail))
    with transaction(sessions) as s:
        finish_push(s, record_id, status, detail)
    if status == "sent":
        res.sent.append(label)
    else:
        res.failed.append(f"{label} ({detail})")
    log.info("push %s %s", status, label)


def send_instant_message(client: MoodleClient, user_id: int, html: str) -> str:
    """One recipient per call: Moodle 4.5 drops a batch that mixes a good and a failing recipient."""
    answer = client.call("core_message_send_instant_messages",
                         messages=[{"touserid": user_id, "text": html, "textformat": 1,
                                    "clientmsgid": f"qsync-{hashlib.sha256(html.encode()).hexdigest()[:16]}"}])
    first = answer[0] if isinstance(answer, list) and answer else {}
    if int(first.get("msgid", -1)) < 0:
        raise PushError(f"Moodle refused the message to user {user_id}: {first.get('errormessage', 'no reason')}")
    return f"msgid {first['msgid']}"


def push_teachers(client: MoodleClient, sessions: sessionmaker[Session], rendered: RenderResult,
                  link: str | None, res: PushResult, dry_run: bool) -> None:
    for d in rendered.digests:
        url = f"{link.rstrip('/')}/formateurs/{d.slug}.html" if link else None
        html = digest_message(d, url)
        _attempt(sessions, res, "moodle_message", str(d.user_id), f"bilan formateur de {d.fullname}",
                 rendered.digest_hashes[d.user_id], dry_run, lambda d=d, html=html: send_instant_message(
                     client, d.user_id, html))


def _pdf_files(rendered: RenderResult) -> list[tuple[str, Path, str]]:
    """(programme code, path, key) of every existing programme PDF. The key is the report's judgement
    (``render.report_key``), not the PDF's bytes, which change with the generation time: a re-render with
    nothing new (``render --force``) sends nothing."""
    return [(code, p, rendered.report_keys[code]) for code, p in sorted(rendered.pdfs.items()) if p.exists()]


def push_to_moodle(client: MoodleClient, sessions: sessionmaker[Session], cfg: PushConfig,
                   rendered: RenderResult, res: PushResult, dry_run: bool) -> None:
    for code, path, digest in _pdf_files(rendered):
        data = path.read_bytes()
        if cfg.forum_id is not None:
            def post(path=path, data=data, code=code) -> str:
                item = client.upload([(path.name, data, "application/pdf")])
                answer = client.call("mod_forum_add_discussion", forumid=cfg.forum_id,
                                     subject=f"Rapport Qualiopi — {code}",
                                     message=f"<p>Rapport qualité Qualiopi du programme {code} (PDF joint).</p>",
                                     options=[{"name": "attachmentsid", "value": item},
                                              {"name": "discussionsubscribe", "value": 0}])
                created = answer.get("discussionid") if isinstance(answer, dict) else None
                return f"discussion {created}" if created else "posted (Moodle's reply had no discussion id)"
            _attempt(sessions, res, "moodle_forum", f"forum {cfg.forum_id}", path.name, digest, dry_run, post)
        if cfg.private_files:
            def private(path=path, data=data) -> str:
                item = client.upload([(path.name, data, "application/pdf")])
                client.call("core_user_add_user_private_files", draftid=item)
                return f"draft {item}"
            _attempt(sessions, res, "moodle_private", "sync user", path.name, digest, dry_run, private)


def send_email(smtp: SmtpConfig, to: str, subject: str, text: str, attachments: list[Path]) -> str:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = smtp.sender, to, subject
    msg.set_content(text)
    for p in attachments:
        msg.add_attachment(p.read_bytes(), maintype="application", subtype="pdf", filename=p.name)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context(cafile=smtp.cafile))
            password = smtp.resolved_password()
            if smtp.username and password:
                server.login(smtp.username, password)
            refused = server.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise PushError(f"e-mail to {to} via {smtp.host}:{smtp.port} failed: {type(exc).__name__}: {exc}") from None
    if refused:
        raise PushError(f"the SMTP server refused {', '.join(refused)}")
    return f"via {smtp.host}:{smtp.port}"


def push_emails(smtp: SmtpConfig | None, sessions: sessionmaker[Session], cfg: PushConfig,
                rendered: RenderResult, res: PushResult, dry_run: bool) -> None:
    pdfs = _pdf_files(rendered)
    if not cfg.quality_emails or not pdfs:
        return
    if smtp is None:
        raise PushError("[push] quality_emails is set but [smtp] is missing (host, port, sender)")
    smtp.resolved_password()  # known before any exchange: whatever the server echoes is redacted
    digest = hashlib.sha256("".join(h for _, _, h in pdfs).encode()).hexdigest()
    names = ", ".join(code for code, _, _ in pdfs)
    text = (f"Bonjour,\n\nVeuillez trouver ci-joint les rapports qualité Qualiopi ({names}).\n"
            f"Le site complet est dans {rendered.out_dir.resolve()}.\n\n— qualiopi-sync\n")
    for to in cfg.quality_emails:
        _attempt(sessions, res, "email", to, f"rapports PDF ({names})", digest, dry_run,
                 lambda to=to: send_email(smtp, to, "Rapports Qualiopi", text, [p for _, p, _ in pdfs]))


def push_all(client: MoodleClient, sessions: sessionmaker[Session], cfg: PushConfig, smtp: SmtpConfig | None,
             rendered: RenderResult, *, dry_run: bool = False) -> PushResult:
    res = PushResult()
    if cfg.teachers:
        push_teachers(client, sessions, rendered, cfg.report_url, res, dry_run)
    push_to_moodle(client, sessions, cfg, rendered, res, dry_run)
    push_emails(smtp, sessions, cfg, rendered, res, dry_run)
    return res
