"""`yingji planning report`: generate the half-year report (半年报告) of a region from the command line — the same
service as the page and the API (audited), writing the .docx and .xlsx to a folder if asked."""

from pathlib import Path

import click


@click.command("report")
@click.option("--region", "region_code", required=True, help="区划代码，如 512022")
@click.option("--year", type=int, required=True, help="年度")
@click.option("--half", type=click.Choice(["H1", "H2"]), required=True, help="H1 上半年，H2 下半年")
@click.option("--number", default="", help="发文字号，如 乐应急〔2026〕18号")
@click.option("--user", "username", default=None, help="以该用户的身份与管辖范围生成（默认：系统）")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="把公文（.docx）和数据表（.xlsx）另存到此目录")
def report(region_code, year, half, number, username, out_dir):
    """生成半年报告（公文 .docx 与数据表 .xlsx），输出各部分标题。"""
    from yingji.cli import setup_django

    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError

    from yingji.core.cli import _actor
    from yingji.core.models import Region

    from ..services import reports as services

    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise click.UsageError(f"找不到区划代码“{region_code}”。")
    try:
        made = services.generate(_actor(username), {"region": region, "year": year, "half": half, "number": number})
    except ValidationError as exc:
        from ..models import HalfYearReport

        label = {f.name: str(f.verbose_name) for f in HalfYearReport._meta.fields}
        raise click.ClickException("；".join(f"{label.get(k, k)}：{'；'.join(v)}"
                                            for k, v in exc.message_dict.items())) from exc
    except PermissionDenied as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成：{made}（编号 {made.pk}）")
    for section in made.content["sections"]:
        click.echo(f"  {section['title']}：{(section['paragraphs'] or [''])[0]}")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for kind in ("docx", "xlsx"):
            target = out_dir / services.filename(made, kind)
            with getattr(made, kind).open("rb") as handle:
                target.write_bytes(handle.read())
            click.echo(f"  → {target}")


COMMANDS: list = [report]
