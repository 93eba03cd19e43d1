"""The incident timeline: append-only. Every service that changes an incident writes here."""

import uuid

from django.core.files.storage import default_storage
from django.utils import timezone

from yingji.core.services import person
from yingji.core.uploads import Attachment, check_attachment, safe_name, sniff

from ..models import Incident, TimelineEntry


def record(incident: Incident, kind: str, text: str, actor=None, data: dict | None = None, time=None,
           attachment=None, attachment_info: Attachment | None = None, attachment_name: str = "") -> TimelineEntry:
    """Append one entry. `kind` is one of TimelineEntry.KIND_CHOICES; `data` keeps machine-readable
    details (old and new values) next to the Chinese sentence a person reads.

    `attachment`: an uploaded file (checked here unless `attachment_info` holds its check already) or the
    storage path of a file kept elsewhere (a public report's photo, shown as `attachment_name`)."""
    if kind not in dict(TimelineEntry.KIND_CHOICES):
        raise ValueError(f"unknown timeline kind {kind}")
    entry = TimelineEntry(incident=incident, kind=kind, text=text, data=data or {}, time=time or timezone.now(),
                          actor=person(actor))
    if isinstance(attachment, str):
        _refer(entry, attachment, attachment_name)
    elif attachment:
        _store(entry, attachment, attachment_info or check_attachment(attachment))
    entry.save()
    return entry


def _store(entry: TimelineEntry, upload, info: Attachment):
    """The file is stored under a random name (never one the sender chose: not guessable, no path tricks,
    no overlong names); the name given is kept to show and to offer on download."""
    upload.name = f"{uuid.uuid4().hex}.{info.extension}"
    entry.attachment = upload
    entry.attachment_name, entry.attachment_type, entry.attachment_size = info.name, info.mime, info.size


def _refer(entry: TimelineEntry, path: str, name: str):
    entry.attachment = path
    stored = path.rsplit("/", 1)[-1]
    try:
        with default_storage.open(path, "rb") as handle:
            found = sniff(handle)
            entry.attachment_size = handle.size
    except OSError:  # the file is gone: the entry still says which it was
        found = None
    entry.attachment_type = found[1] if found else ""
    extension = f".{stored.rsplit('.', 1)[-1]}" if "." in stored else ""
    entry.attachment_name = safe_name(f"{name}{extension}" if name else stored)
