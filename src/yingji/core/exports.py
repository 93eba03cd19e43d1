"""Excel export helper: every export is built from an already-scoped queryset."""

import datetime
import decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell_value(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (str, int, float, datetime.date)) or value is None:
        return value
    return str(value)


def xlsx_response(filename: str, headers: list[str], rows) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(filename.rsplit(".", 1)[0][:31])
    sheet.append(headers)
    for row in rows:
        sheet.append([_cell_value(v) for v in row])
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    book.save(response)
    return response

