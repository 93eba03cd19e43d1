"""`yingji safety …`: redo a published 双随机 draw from its seed and say whether the published result matches."""

import json

import click


@click.group("safety")
def safety():
    """安全监管：双随机抽取复核等。"""


@safety.command("redraw")
@click.option("--draw", "draw_id", type=int, required=True, help="抽取编号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def redraw(draw_id, as_json):
    """按公开的名录、回避关系与随机种子重新计算一次抽取，核对与公布的结果是否一致（不一致时退出码为 1）。"""
    from yingji.cli import setup_django

    setup_django()
    from .models import Draw
    from .services.inspections import verify_draw

    draw = Draw.objects.select_related("plan__region", "pool_region").filter(pk=draw_id).first()
    if draw is None:
        raise click.ClickException(f"找不到编号为 {draw_id} 的抽取。")
    result = verify_draw(draw)
    if as_json:
        click.echo(json.dumps({"draw": draw.pk, "title": draw.title, "seed": draw.seed, **result}, ensure_ascii=False))
    else:
        click.echo(f"{draw.title}（随机种子 {draw.seed}）")
        for row in result["expected"]:
            click.echo(f"  {row['enterprise']}：{'、'.join(row['inspectors'])}")
        click.echo("复核一致：重算结果与公布的结果相同。" if result["matches"] else
                   f"复核不一致！{result['error']}")
    if not result["matches"]:
        raise SystemExit(1)


commands = [safety]
