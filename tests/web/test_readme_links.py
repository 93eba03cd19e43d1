"""The pages that send a duty officer to the README (coverage and siting, before a road network is imported)
name a section that exists, and that section says how to import a county's OSM roads."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
PAGES = ["/forces/coverage/", "/forces/siting/"]


def headings() -> dict[str, str]:
    """Heading text → the section under it (up to the next heading of any level)."""
    text = README.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^#{1,6} +(.+?) *$", text)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def github_anchor(heading: str) -> str:
    """GitHub's (and Gitea's) slug: lower case, punctuation (fullwidth included) dropped, spaces → hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def readme_references(html: str) -> tuple[list[str], list[str]]:
    names = re.findall(r"README(?:\.md)?\s*(?:的)?“([^”]+)”", html)
    anchors = re.findall(r"README\.md#([^\"'\s<）)]+)", html)
    return names, anchors


@pytest.mark.parametrize("url", PAGES)
def test_pages_name_an_existing_readme_section(demo, web, url, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # no road network imported: the page says where to read how
    settings.YINGJI_ROAD_NETWORK = ""
    response = web("duty").get(url)
    assert response.status_code == 200
    names, anchors = readme_references(response.content.decode())
    assert names or anchors, f"{url} does not point to the README any more"
    sections = headings()
    for name in names:
        assert name in sections, f"{url} names README section “{name}”, README has no such heading"
    slugs = {github_anchor(h) for h in sections}
    for anchor in anchors:
        assert anchor in slugs, f"{url} links README.md#{anchor}, no heading has that anchor"


def test_the_roads_section_explains_a_county_import():
    section = headings()["路网（OSM）导入"]
    assert github_anchor("路网（OSM）导入") == "路网osm导入"
    # Where to get the extract, how to cut the county out of it, how to run and check the import,
    # and how the app picks the network: every option the CLI offers for that is explained.
    for needed in ["download.geofabrik.de", ".osm.pbf", "yingji roads import", "--name", "--bbox", "--polygon",
                   "/api/regions/boundaries/", "--area", "YINGJI_ROAD_NETWORK", "yingji roads list",
                   "yingji roads eta", "WGS84", "fire_truck_profile.toml"]:
        assert needed in section, needed
    # The options quoted are the CLI's own.
    from yingji.routing.cli import import_

    options = {opt for p in import_.params for opt in getattr(p, "opts", [])}
    for option in re.findall(r"(--[a-z-]+)", section.split("yingji roads eta")[0]):
        assert option in options, option
