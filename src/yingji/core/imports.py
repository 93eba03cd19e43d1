"""Excel import and export shared by every registry.

An app describes a sheet once (`SheetSpec`: Chinese headers, how to parse each cell, which
service saves a row, how to export a record) and registers it; the web pages, the API-free
CLI (`yingji import/export`) and the templates all come from that description.

Import is all-or-nothing: every row is parsed and saved through its service inside one
transaction, each row in a savepoint so one failure does not hide the next; if any row
failed (or on a dry run) the whole transaction is rolled back and the caller gets every
error as (row, column, value, reason).
"""

import datetime
import decimal
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from yingji.standards import coordinates

MAX_ROWS = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CellError(ValueError):
    """A cell that cannot be parsed; str() is the Chinese reason."""


# --- cell parsers: (raw cell value) → python value, raising CellError ----------

def text(value):
    return "" if value is None else str(value).strip()


def integer(value):
    if value in (None, ""):
        return None
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise CellError("应为整数") from None
    if number != number.to_integral_value():
        raise CellError("应为整数")
    return int(number)


def number(value):
    if value in (None, ""):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        raise CellError("应为数字") from None


def money(value):
    if value in (None, ""):
        return None
    try:
        return decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise CellError("应为数字（万元）") from None


def boolean(value):
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    answer = str(value).strip().lower()
    if answer in {"是", "y", "yes", "true", "1", "√"}:
        return True
    if answer in {"否", "n", "no", "false", "0", "×"}:
        return False
    raise CellError("应填“是”或“否”")


def date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise CellError("日期格式应为 YYYY-MM-DD") from None


def choice(choices):
    """Accept either the stored value or its Chinese label."""
    by_label = {str(label): value for value, label in choices}
    values = {str(value) for value, _ in choices}

    def parse(value):
        raw = text(value)
        if raw == "":
            return ""
        if raw in values:
            return raw
        if raw in by_label:
            return by_label[raw]
        raise CellError(f"可选值：{'、'.join(by_label)}")

    return parse


def lookup(queryset_for: Callable, *fields: str, label="记录"):
    """A cell naming a record by one of `fields` (e.g. code or name), among those the actor may see."""

    def parse(value, actor):
        raw = text(value)
        if raw == "":
            return None
        qs = queryset_for(actor)
        for name in fields:
            matches = list(qs.filter(**{name: raw})[:2])
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise CellError(f"有多个{label}名为“{raw}”，请改填代码")
        raise CellError(f"找不到{label}“{raw}”，或不在您的管辖范围内")

    parse.needs_actor = True
    return parse


@dataclass
class Column:
    header: str  # the Chinese header in the sheet
    field: str  # key of the data dict given to the row saver; also the attribute exported
    parse: Callable = text
    required: bool = False
    example: object = ""
    help: str = ""
    export: Callable | None = None  # record → cell value (default: the attribute `field`)


@dataclass
class SheetSpec:
    kind: str  # CLI name: yingji import <kind>
    title: str  # Chinese name of the registry
    columns: list[Column]
    save_row: Callable  # (actor, data) → saved record; calls the app's service
    queryset: Callable  # actor → scoped queryset for export
    permission: str  # needed to export ("app.view_model"); saving checks its own in the service
    coordinates: tuple[str, str] | None = None  # (lon field, lat field) converted from GCJ-02/BD-09
    notes: list[str] = field(default_factory=list)


@dataclass
class RowError:
    row: int
    column: str
    value: object
    reason: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            rows = len({e.row for e in self.errors})
            return f"共 {self.rows} 行，{rows} 行有错误：未写入任何数据。"
        verb = "校验通过（试运行，未写入）" if self.dry_run else "已导入"
        return f"{verb}：共 {self.rows} 行，新增 {self.created} 条，更新 {self.updated} 条。"


SHEETS: dict[str, SheetSpec] = {}


def register(spec: SheetSpec) -> SheetSpec:
    SHEETS[spec.kind] = spec
    return spec


# --- reading --------------------------------------------------------------

def _read(file) -> tuple[list[str], list[tuple[int, list]]]:
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not .xlsx
        raise ValidationError(f"无法读取该文件：请上传 .xlsx 格式的 Excel 文件（{type(exc).__name__}）。") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [text(h) for h in next(rows, [])]
    body = []
    for number, row in enumerate(rows, start=2):
        if all(v in (None, "") for v in row):
            continue
        body.append((number, list(row)))
        if len(body) > MAX_ROWS:
            raise ValidationError(f"一次最多导入 {MAX_ROWS} 行，请分批导入。")
    return header, body


def _parse_row(spec, actor, header_index, number, row, errors):
    data = {}
    for column in spec.columns:
        index = header_index.get(column.header)
        value = row[index] if index is not None and index < len(row) else None
        try:
            parsed = column.parse(value, actor) if getattr(column.parse, "needs_actor", False) else column.parse(value)
        except CellError as exc:
            errors.append(RowError(number, column.header, value, str(exc)))
            continue
        if column.required and parsed in (None, ""):
            errors.append(RowError(number, column.header, value, "必填"))
            continue
        data[column.field] = parsed
    return data


def _convert_coordinates(spec, data, system):
    if spec.coordinates is None or system == "wgs84":
        return
    lon_field, lat_field = spec.coordinates
    if data.get(lon_field) is None or data.get(lat_field) is None:
        return
    lon, lat = coordinates.to_wgs84(data[lon_field], data[lat_field], system)
    data[lon_field], data[lat_field] = round(float(lon), 7), round(float(lat), 7)


def _service_errors(spec, number, data, exc) -> list[RowError]:
    by_field = {c.field: c.header for c in spec.columns}
    if not hasattr(exc, "error_dict"):
        return [RowError(number, "", "", "；".join(exc.messages))]
    out = []
    for name, messages in exc.message_dict.items():
        header = by_field.get(name, "" if name == "__all__" else name)
        for message in messages:
            out.append(RowError(number, header, data.get(name, ""), message))
    return out


def run_import(actor, spec: SheetSpec, file, *, dry_run=False, coordinate_system="wgs84") -> ImportResult:
    if coordinate_system not in coordinates.SYSTEMS:
        raise ValidationError({"coordinate_system": f"未知坐标系“{coordinate_system}”。"})
    header, body = _read(file)
    result = ImportResult(dry_run=dry_run, rows=len(body))
    header_index = {name: i for i, name in enumerate(header) if name}
    missing = [c.header for c in spec.columns if c.required and c.header not in header_index]
    if missing:
        result.errors.append(RowError(1, "、".join(missing), "", "表头缺少必填列，请使用导入模板"))
        return result
    if not body:
        result.errors.append(RowError(2, "", "", "表中没有数据行"))
        return result
    with transaction.atomic():
        for number, row in body:
            errors_before = len(result.errors)
            data = _parse_row(spec, actor, header_index, number, row, result.errors)
            if len(result.errors) > errors_before:
                continue
            _convert_coordinates(spec, data, coordinate_system)
            try:
                with transaction.atomic():
                    _, created = spec.save_row(actor, data)
            except ValidationError as exc:
                result.errors.extend(_service_errors(spec, number, data, exc))
                continue
            except PermissionDenied as exc:
                result.errors.append(RowError(number, "", "", str(exc) or "无权执行此操作"))
                continue
            if created:
                result.created += 1
            else:
                result.updated += 1
        if result.errors or dry_run:
            transaction.set_rollback(True)
    if result.errors:
        result.created = result.updated = 0
    return result


# --- writing --------------------------------------------------------------

_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="134F99")


def _cell(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (str, int, float, datetime.date, bool)) or value is None:
        return value
    return str(value)


# A text cell starting with one of these is a formula to Excel/WPS once edited (OWASP "CSV injection"); openpyxl
# even writes a leading "=" as a live formula. Such cells are written as strings with Excel's quote prefix
# (the style behind typing 'abc): shown and re-imported unchanged, never evaluated.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escape_formulas(cells) -> None:
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True


def _book(title: str, header: list[str], rows: Iterable[list]) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
    for row in rows:
        sheet.append([_cell(v) for v in row])
        _escape_formulas(sheet[sheet.max_row])
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(10, len(name) * 2 + 4)
    sheet.freeze_panes = "A2"
    return book


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_xlsx(spec: SheetSpec) -> bytes:
    book = _book(spec.title, [c.header for c in spec.columns], [[c.example for c in spec.columns]])
    notes = book.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for column in spec.columns:
        notes.append([column.header, "是" if column.required else "", column.help])
    for line in spec.notes + [
        "第一行为表头，请勿修改；第二行为示例，导入前请删除或改写。",
        "导入为“全部成功或全部不写入”：任何一行有误，都不会写入任何数据，并给出逐行错误报告。",
    ]:
        notes.append(["", "", line])
    notes.column_dimensions["A"].width, notes.column_dimensions["C"].width = 20, 80
    return _bytes(book)


def errors_xlsx(errors: list[RowError]) -> bytes:
    return _bytes(_book("错误报告", ["行号", "列", "值", "原因"],
                        ([e.row, e.column, e.value, e.reason] for e in errors)))


def export_value(record, column: Column):
    if column.export is not None:
        return column.export(record)
    value = getattr(record, column.field, None)
    display = getattr(record, f"get_{column.field}_display", None)
    if display is not None and value not in (None, ""):
        return display()
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def export_xlsx(spec: SheetSpec, records: Iterable, actor=None, filters=None, request=None) -> bytes:
    """Records as a sheet that the import accepts back unchanged. Every export is in the audit trail:
    who, which list, with which filters (the query string, or what the CLI was given) and how many rows."""
    from .audit import record_event
    from .models import AuditEntry

    count = 0

    def rows():
        nonlocal count
        for record in records:
            count += 1
            yield [export_value(record, c) for c in spec.columns]

    content = _bytes(_book(spec.title, [c.header for c in spec.columns], rows()))
    record_event(actor, AuditEntry.EXPORT, f"导出{spec.title}",
                 {"筛选条件": _describe_filters(filters), "行数": count}, request)
    return content


def _describe_filters(filters) -> str:
    if not filters:
        return "（无）"
    items = filters.lists() if hasattr(filters, "lists") else ((k, [v]) for k, v in dict(filters).items())
    return "；".join(f"{key}={'、'.join(map(str, values))}" for key, values in items) or "（无）"
