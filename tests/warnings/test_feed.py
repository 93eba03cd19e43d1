"""The public Atom feed (/public/warnings/feed.xml): well-formed Atom 1.0 with the elements RFC 4287 requires, one
entry per message in force (and the recent Cancels), each linking (rel=alternate, type application/cap+xml) to the
message's CAP XML, which resolves and validates (standards.cap.validate: OASIS XSD + GB/T 35965.1 checks)."""

import pytest
from django.test import Client
from lxml import etree

from yingji.standards import cap
from yingji.warnings.services import lifecycle

from .ui_helpers import HUILAN, TIANCHI, draft, issue, person

pytestmark = pytest.mark.django_db

FEED = "/public/warnings/feed.xml"
ATOM = "{http://www.w3.org/2005/Atom}"


def read_feed(client):
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None, required
    return root


def entries(root) -> dict[str, etree._Element]:
    found = {}
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}") is not None, required
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        found[link.get("href").rsplit("/", 1)[-1].removesuffix(".xml")] = entry
    return found


def test_feed_is_atom_and_every_entry_links_to_valid_cap(demo):
    red = issue(HUILAN, TIANCHI, level=1, headline="订阅源红色预警")
    hidden = draft(HUILAN, headline="订阅源不应出现的草稿")
    client = Client()
    root = read_feed(client)
    listed = entries(root)
    assert red.identifier in listed and hidden.identifier is None
    assert "订阅源不应出现的草稿" not in etree.tostring(root, encoding="unicode")
    entry = listed[red.identifier]
    assert entry.find(f"{ATOM}title").text == "订阅源红色预警"
    link = entry.find(f"{ATOM}link[@rel='alternate']")
    assert link.get("type") == "application/cap+xml"
    for identifier, item in listed.items():
        href = item.find(f"{ATOM}link[@rel='alternate']").get("href")
        response = client.get(href)
        assert response.status_code == 200, href
        assert response["Content-Type"].startswith("application/cap+xml")
        assert cap.validate(response.content) == [], identifier
        assert f"<identifier>{identifier}</identifier>".encode() in response.content


def test_a_cancel_enters_the_feed_and_ends_the_warning_there(demo):
    warning = issue(HUILAN, headline="订阅源将解除的预警")
    client = Client()
    assert warning.identifier in entries(read_feed(client))
    cancel = lifecycle.cancel(person("leader"), warning, "险情解除")
    listed = entries(read_feed(client))
    assert cancel.identifier in listed
    assert listed[cancel.identifier].find(f"{ATOM}title").text.startswith("【解除】")
    xml = client.get(f"/public/warnings/{cancel.identifier}.xml").content
    assert cap.validate(xml) == [] and warning.identifier.encode() in xml  # <references> names the alert
    assert warning.identifier not in listed  # the cancelled alert itself has left the feed
