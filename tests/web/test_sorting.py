"""Sort controls on the generic lists name the field they sort by, mark the active one and keep the filters."""

import re
from html import unescape

import pytest
from django.urls import URLPattern, get_resolver

pytestmark = pytest.mark.django_db


def sort_links(html: str) -> list[tuple[str, str, bool]]:
    """(href, label, active) of each link in the sort control."""
    nav = re.search(r'<nav class="sort"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no sort control on the page"
    links = re.findall(r'<a([^>]*)>(.*?)</a>', nav.group(1), re.S)
    return [(unescape(re.search(r'href="([^"]*)"', attrs).group(1)), re.sub(r"<[^>]+>", "", label).strip(),
             "aria-current" in attrs) for attrs, label in links]


@pytest.mark.parametrize("url, labels", [
    ("/incidents/", ["默认", "接报时间", "发生时间", "死亡（人）"]),
    ("/forces/", ["默认", "名称", "类型", "战备状态", "在岗（人）"]),
    ("/duty/log/", ["默认", "时间（新→旧）", "时间（旧→新）"]),  # its own template includes core/sort.html
])
def test_every_sort_option_is_labelled(demo, web, url, labels):
    html = web("duty").get(url).content.decode()
    assert "排序：" in html
    found = [label for _, label, _ in sort_links(html)]
    assert found == labels
    assert not any(label in ("按", "") for label in found)


def test_every_list_labels_every_ordering(demo, web):
    """Every ObjectListView on the generic template with orderings, found from the URLconf: no option without a
    name. (A list with its own template shows them by including core/sort.html.)"""
    from yingji.core.generic import ObjectListView

    client = web("admin")
    checked = 0
    for url, view in _routes(get_resolver()):
        if not (issubclass(view, ObjectListView) and view.orderings) or "<" in url \
                or view.template_name != "core/object_list.html":
            continue
        response = client.get(url)
        if not response["Content-Type"].startswith("text/html"):  # the Excel export of the same list
            continue
        links = sort_links(response.content.decode())
        assert len(links) == len(view.orderings) + 1, url
        assert all(label and label != "按" for _, label, _ in links), (url, links)
        checked += 1
    assert checked >= 6


def _routes(resolver, prefix="/"):
    for p in resolver.url_patterns:
        if isinstance(p, URLPattern):
            view = getattr(p.callback, "view_class", None)
            if isinstance(view, type):
                yield prefix + str(p.pattern), view
        else:
            yield from _routes(p, prefix + str(p.pattern))


def test_the_active_ordering_is_marked_and_filters_are_kept(demo, web):
    client = web("duty")
    html = client.get("/forces/?status=on_duty&sort=name&page=1").content.decode()
    links = sort_links(html)
    active = [label for _, label, on in links if on]
    assert active == ["名称"]
    href = dict((label, href) for href, label, _ in links)["战备状态"]
    assert "status=on_duty" in href and "sort=status" in href and "page=" not in href
    # The link sorts: forces by name ascending.
    names = [f.name for f in client.get("/forces/?sort=name").context["object_list"]]
    assert names == sorted(names)
    # No ordering chosen: 默认 is the active one.
    assert [label for _, label, on in sort_links(client.get("/forces/").content.decode()) if on] == ["默认"]
