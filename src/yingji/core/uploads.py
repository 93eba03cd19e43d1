"""Checks on uploaded files, for every app: size, and for photos that the bytes really are an image."""

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp", "HEIF": "heic"}


def check_upload(upload, images_only: bool, field: str = "attachment") -> str | None:
    """Refuse files over MAX_UPLOAD_MB and, when `images_only`, anything Pillow cannot read as an
    image (the name and the browser's content type are not trusted). Returns the image format."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError({field: [f"文件过大（{upload.size / 1024 / 1024:.1f} MB），不能超过 "
                                       f"{settings.MAX_UPLOAD_MB} MB。"]})
    if not images_only:
        return None
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            fmt = image.format
    except Image.DecompressionBombError:  # a tiny file claiming a gigantic picture
        raise ValidationError({field: ["图片尺寸过大（像素数超出限制），请换一张照片。"]}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({field: ["只能上传图片（JPEG、PNG、GIF、WebP、BMP）。"]}) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise ValidationError({field: [f"不支持的图片格式 {fmt}，请上传 JPEG、PNG、GIF、WebP 或 BMP。"]})
    return fmt
