"""`yingji warnings cap | list | import | expire`, in process against the test database."""

import json

from click.testing import CliRunner

from yingji.standards import cap
from yingji.warnings.cli import warnings_group
from yingji.warnings.models import Warning

from .test_api import _foreign_cap


def invoke(*args):
    return CliRunner().invoke(warnings_group, list(args), catch_exceptions=False)


def test_cap_prints_the_frozen_xml_by_id_or_identifier(demo):
    warning = Warning.objects.filter(state=Warning.PUBLISHED, is_demo=True).exclude(identifier=None).first()
    by_id, by_identifier = invoke("cap", str(warning.pk)), invoke("cap", warning.identifier)
    assert by_id.exit_code == 0 and by_id.output.strip() == warning.cap_xml.strip() == by_identifier.output.strip()
    assert cap.validate(by_id.output.encode()) == []
    draft = Warning.objects.filter(state=Warning.SUBMITTED).first()
    refused = CliRunner().invoke(warnings_group, ["cap", str(draft.pk)])
    assert refused.exit_code != 0 and "尚未发布" in refused.output


def test_list_json_by_state(demo):
    result = invoke("list", "--state", "expired", "--json")
    assert result.exit_code == 0
    items = json.loads(result.output)
    assert items and {i["state"] for i in items} == {"expired"}
    assert any(i["headline"] == "乐至县应急管理局发布高温黄色预警" for i in items)
    assert all(i["sent"].endswith("+08:00") for i in items if i["sent"])
    current = json.loads(invoke("list", "--current", "--json").output)
    assert "乐至县应急管理局发布暴雨橙色预警" in {i["headline"] for i in current}
    assert all(i["msg_type"] != "Cancel" for i in current)


def test_import_file_and_refuse_a_bad_one(demo, tmp_path):
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_bytes(_foreign_cap("51000000000000_20261130090000_0"))
    bad.write_bytes(b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x</identifier></alert>")
    result = invoke("import", str(good), "--region", "512022")
    assert result.exit_code == 0 and "51000000000000_20261130090000_0" in result.output
    assert Warning.objects.get(identifier="51000000000000_20261130090000_0").source == Warning.IMPORTED
    refused = CliRunner().invoke(warnings_group, ["import", str(bad), "--region", "512022"])
    assert refused.exit_code != 0 and "未导入" in refused.output


def test_expire_ends_past_warnings(demo):
    from datetime import timedelta

    from django.utils import timezone

    warning = Warning.objects.filter(state=Warning.PUBLISHED, msg_type=Warning.ALERT, is_demo=True).first()
    Warning.objects.filter(pk=warning.pk).update(onset=timezone.now() - timedelta(hours=3),
                                                 expires=timezone.now() - timedelta(seconds=1))
    result = invoke("expire")
    assert result.exit_code == 0 and "结束预警 1 条" in result.output
    warning.refresh_from_db()
    assert warning.state == Warning.EXPIRED


def test_terminals_simulates_the_registered_ones_on_the_configured_broker(demo, settings, monkeypatch):
    from yingji.warnings.channels import terminals
    from yingji.warnings.models import LoudspeakerTerminal

    started = []
    monkeypatch.setattr(terminals, "main", lambda argv: started.append(argv) or 0)
    settings.YINGJI_WARNING_CHANNELS = {"loudspeaker": {"host": "10.0.0.9", "port": 8883, "prefix": "lz/v1"}}
    result = CliRunner().invoke(warnings_group, ["terminals", "--mode", "busy"])
    active = list(LoudspeakerTerminal.objects.filter(is_active=True).values_list("code", flat=True))
    assert result.exit_code == 0 and len(active) > 50
    assert started == [[*active, "--host", "10.0.0.9", "--port", "8883", "--prefix", "lz/v1", "--mode", "busy"]]
    CliRunner().invoke(warnings_group, ["terminals", "LZ-X-1"])
    assert started[-1][:2] == ["LZ-X-1", "--host"]
    LoudspeakerTerminal.objects.update(is_active=False)
    refused = CliRunner().invoke(warnings_group, ["terminals"])
    assert refused.exit_code != 0 and "没有启用的大喇叭终端" in refused.output and len(started) == 2
