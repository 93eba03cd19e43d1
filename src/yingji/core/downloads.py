"""Serving stored files (note attachments, plan documents, report photos, .docx reports) from our origin.

Whatever a user uploaded is sent as a download (`Content-Disposition: attachment`) typed
application/octet-stream, never with the type its name suggests: an uploaded .html or .js must not run
as a page or script of our origin. Only a file that Pillow verifies as a common image may be shown
inline, with that image's type. Every answer also says `nosniff` and carries a sandboxing CSP, and every
download is noted in the audit trail (等保).
"""

from urllib.parse import quote

from django.http import FileResponse, Http404
from PIL import Image

from . import audit
from .models import AuditEntry

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp", "BMP": "image/bmp"}
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def verified_image_type(field_file) -> str | None:
    """The image's content type if Pillow reads the stored bytes as one of IMAGE_TYPES, else None."""
    try:
        with field_file.storage.open(field_file.name, "rb") as handle, Image.open(handle) as image:
            image.verify()
            return IMAGE_TYPES.get(image.format)
    except Exception:  # not an image, a truncated one, a decompression bomb, a missing file
        return None


def _disposition(kind: str, filename: str) -> str:
    return f"{kind}; filename*=UTF-8''{quote(filename)}"


def secure(response, filename: str, inline_type: str | None = None):
    """Headers every served file gets."""
    response["Content-Disposition"] = _disposition("inline" if inline_type else "attachment", filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response


def file_response(request, field_file, filename: str | None = None, *, about=None, inline_images=False,
                  content_type: str = "application/octet-stream"):
    """A stored file as a download, audited. `about`: the record it belongs to (its region scopes the entry).
    `content_type` may name the type of a file we generated ourselves (a .docx report); uploads keep the default."""
    name = filename or field_file.name.rsplit("/", 1)[-1]
    image_type = verified_image_type(field_file) if inline_images else None
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError:
        raise Http404("文件不存在。") from None
    response = secure(FileResponse(handle, content_type=image_type or content_type), name, image_type)
    record_download(request, name, about)
    return response


def record_download(request, filename: str, about=None):
    audit.record_event(getattr(request, "user", None), AuditEntry.DOWNLOAD, f"下载 {filename}"[:255],
                       {"文件": filename}, request, instance=about)
