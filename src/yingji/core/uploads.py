"""Checks on uploaded files, for every app: size, and that the bytes really are what the name says.

Photos must be images Pillow can read. Attachments (incident timeline) may be images, PDF or Office documents:
the kind is found from the content (the name and the browser's content type are not trusted), and the name's
extension must agree with it, so a program, a text file named .jpg or a PDF renamed .docx is refused.
"""

import posixpath
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp", "HEIF": "heic"}
IMAGE_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp",
              "BMP": "image/bmp", "HEIF": "image/heic"}

PDF_MIME = "application/pdf"
OOXML = "application/vnd.openxmlformats-officedocument."
# extension → (label, MIME type, main part content type in [Content_Types].xml, folder of the parts)
OOXML_KINDS = {
    "docx": ("Word", OOXML + "wordprocessingml.document", OOXML + "wordprocessingml.document.main+xml", "word/"),
    "xlsx": ("Excel", OOXML + "spreadsheetml.sheet", OOXML + "spreadsheetml.sheet.main+xml", "xl/"),
    "pptx": ("PowerPoint", OOXML + "presentationml.presentation",
             OOXML + "presentationml.presentation.main+xml", "ppt/"),
}
# Legacy Office: an OLE2 compound file holding the application's main stream (its name is stored in UTF-16LE).
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
OLE2_KINDS = {
    "doc": ("Word", "application/msword", ["WordDocument"]),
    "xls": ("Excel", "application/vnd.ms-excel", ["Workbook", "Book"]),
    "ppt": ("PowerPoint", "application/vnd.ms-powerpoint", ["PowerPoint Document"]),
}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "bmp"}

ALLOWED_TEXT = "图片（JPG、PNG、GIF、WebP、BMP）、PDF、Word（DOC、DOCX）、Excel（XLS、XLSX）、PowerPoint（PPT、PPTX）"
# Cheap zip-bomb guards: read from the central directory only, nothing is decompressed but [Content_Types].xml.
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_UNCOMPRESSED = 512 * 1024 * 1024
ZIP_MAX_RATIO = 200
CONTENT_TYPES_MAX = 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """What an accepted attachment is: its label (图片/PDF/Word/Excel/PowerPoint), its MIME type found by
    content, the name to show (sanitised, no folders), its extension and its size in bytes."""

    label: str
    mime: str
    name: str
    extension: str
    size: int


def check_size(upload, field: str = "attachment"):
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError({field: [f"文件过大（{upload.size / 1024 / 1024:.1f} MB），不能超过 "
                                       f"{settings.MAX_UPLOAD_MB} MB。"]})


def check_upload(upload, images_only: bool, field: str = "attachment") -> str | None:
    """Refuse files over MAX_UPLOAD_MB and, when `images_only`, anything Pillow cannot read as an
    image (the name and the browser's content type are not trusted). Returns the image format."""
    check_size(upload, field)
    if not images_only:
        return None
    try:
        fmt = _image_format(upload)
    except Image.DecompressionBombError:  # a tiny file claiming a gigantic picture
        raise ValidationError({field: ["图片尺寸过大（像素数超出限制），请换一张照片。"]}) from None
    if fmt is None:
        raise ValidationError({field: ["只能上传图片（JPEG、PNG、GIF、WebP、BMP）。"]})
    if fmt not in IMAGE_FORMATS:
        raise ValidationError({field: [f"不支持的图片格式 {fmt}，请上传 JPEG、PNG、GIF、WebP 或 BMP。"]})
    return fmt


def check_attachment(upload, field: str = "attachment") -> Attachment:
    """An image, PDF or Office document whose content agrees with its name's extension, within
    MAX_UPLOAD_MB. Raises a ValidationError in Chinese naming the file and what is allowed."""
    check_size(upload, field)
    name = safe_name(upload.name)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in IMAGE_EXTENSIONS | {"pdf"} | set(OOXML_KINDS) | set(OLE2_KINDS):
        shown = f"“.{extension}”" if extension else "（无扩展名）"
        raise ValidationError({field: [f"不支持的附件类型{shown}：“{name}”。可上传{ALLOWED_TEXT}。"]})
    try:
        found = sniff(upload, extension)
    except Image.DecompressionBombError:
        raise ValidationError({field: [f"图片“{name}”尺寸过大（像素数超出限制），请换一张。"]}) from None
    except _Refused as refused:
        raise ValidationError({field: [f"“{name}”：{refused}"]}) from None
    if found is None:
        expected = _describe(("图片", "", "") if extension in IMAGE_EXTENSIONS else _kind_of(extension))
        raise ValidationError({field: [f"“{name}”不是有效的{expected}，已拒收（内容与扩展名不符，或文件已损坏）。"
                                       f"可上传{ALLOWED_TEXT}。"]})
    if not _agrees(found, extension):
        raise ValidationError({field: [f"“{name}”的内容是{_describe(found)}，与扩展名“.{extension}”不符，"
                                       f"已拒收，请用原扩展名上传。可上传{ALLOWED_TEXT}。"]})
    return Attachment(label=found[0], mime=found[1], name=name, extension=extension, size=upload.size)


class _Refused(Exception):
    """A file of a known kind that is refused anyway (a zip bomb, a macro-enabled document)."""


def _agrees(found: tuple[str, str, str], extension: str) -> bool:
    """Any image extension fits any image (it is served with the type of its content); PDF and Office files
    must carry their own extension (a .doc renamed .docx is refused too)."""
    return extension in IMAGE_EXTENSIONS if found[0] == "图片" else found[2] == extension


def _describe(found: tuple[str, str, str]) -> str:
    label, _, extension = found
    return {"图片": "图片", "PDF": " PDF 文件"}.get(label) or f" {label} 文档（.{extension}）"


def _kind_of(extension: str) -> tuple[str, str, str]:
    if extension == "pdf":
        return "PDF", PDF_MIME, "pdf"
    label, mime, *_ = OOXML_KINDS.get(extension) or OLE2_KINDS[extension]
    return label, mime, extension


def sniff(upload, prefer: str = "") -> tuple[str, str, str] | None:
    """(label, MIME type, extension) of the content, or None when it is none of the allowed kinds. `prefer`:
    the name's extension, tried first among legacy Office kinds (a .xls may embed a Word document)."""
    fmt = _image_format(upload)
    if fmt in IMAGE_FORMATS:
        return "图片", IMAGE_MIME[fmt], IMAGE_FORMATS[fmt]
    head = _read(upload, 0, 1024)
    if b"%PDF-" in head:  # readers accept the header within the first kilobyte
        return ("PDF", PDF_MIME, "pdf") if _pdf_ends(upload) else None
    if head.startswith(b"PK\x03\x04"):  # a zip with anything before it (a self-extracting program) is not OOXML
        return _ooxml(upload)
    if head.startswith(OLE2_MAGIC):
        return _ole2(upload, prefer)
    return None


def _image_format(upload) -> str | None:
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            return image.format
    except Image.DecompressionBombError:
        raise
    except Exception:  # not an image, or a malformed one (Pillow's parsers raise many kinds): never a 500
        return None
    finally:
        upload.seek(0)


def _read(upload, offset: int, length: int) -> bytes:
    try:
        upload.seek(offset)
        return upload.read(length)
    finally:
        upload.seek(0)


def _pdf_ends(upload) -> bool:
    """A PDF ends with its trailer: startxref and %%EOF (readers tolerate some trailing bytes)."""
    tail = _read(upload, max(upload.size - 2048, 0), 2048)
    return b"startxref" in tail and b"%%EOF" in tail


def _ooxml(upload) -> tuple[str, str, str] | None:
    """An Office Open XML package: a zip with [Content_Types].xml declaring a Word, Excel or PowerPoint main
    part and that part's folder. Macro-enabled documents declare another main type and are not accepted."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            _zip_sane(members, upload.size)
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names:
                return None
            with archive.open("[Content_Types].xml") as handle:
                content_types = handle.read(CONTENT_TYPES_MAX).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError, RuntimeError,
            NotImplementedError, EOFError):  # corrupt, encrypted (RuntimeError) or unsupported compression
        return None
    finally:
        upload.seek(0)
    if "macroEnabled.main+xml" in content_types:
        raise _Refused("含宏的 Office 文档（.docm/.xlsm/.pptm 等）不能上传，请另存为不含宏的格式。")
    for extension, (label, mime, main_type, folder) in OOXML_KINDS.items():
        if f'"{main_type}"' in content_types and any(n.startswith(folder) for n in names):
            return label, mime, extension
    return None


def _zip_sane(members, compressed_size: int):
    if len(members) > ZIP_MAX_MEMBERS:
        raise _Refused(f"压缩包内文件数过多（{len(members)} 个），不像正常的 Office 文档，已拒收。")
    total = sum(m.file_size for m in members)
    if total > ZIP_MAX_UNCOMPRESSED or total > ZIP_MAX_RATIO * max(compressed_size, 1):
        raise _Refused("文件解压后体积异常（疑似压缩炸弹），已拒收。")


def _ole2(upload, prefer: str = "") -> tuple[str, str, str] | None:
    """A legacy Office file: the OLE2 header and the directory entry of the application's main stream."""
    data = _read(upload, 0, upload.size)
    kinds = sorted(OLE2_KINDS.items(), key=lambda kind: kind[0] != prefer)
    for extension, (label, mime, streams) in kinds:
        for stream in streams:
            entry = stream.encode("utf-16-le") + b"\x00\x00"  # directory names are NUL-terminated UTF-16LE
            if entry in data:
                return label, mime, extension
    return None


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def safe_name(name: str) -> str:
    """The file's own name to show and to offer on download: no folders (either slash), no control or
    reserved characters, at most 255 characters with the extension kept."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/")
    name = _UNSAFE.sub("", posixpath.basename(name)).strip().strip(".")
    if not name:
        return "附件"
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 255 - len(extension) - 1] + dot + extension) if dot and len(extension) <= 16 else name[:255]
    return name


def kind_label(mime: str) -> str:
    """图片/PDF/Word/Excel/PowerPoint for a stored MIME type; 文件 when unknown (attachments from before)."""
    if mime.startswith("image/"):
        return "图片"
    if mime == PDF_MIME:
        return "PDF"
    for label, kind_mime, *_ in [*OOXML_KINDS.values(), *OLE2_KINDS.values()]:
        if mime == kind_mime:
            return label
    return "文件"


def human_size(size: int | None) -> str:
    """1.2 MB, 35 KB, 512 B."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
