"""The 消防车 speed profile and OSM maxspeed parsing."""

import pytest

from yingji.routing.profile import DEFAULT_PROFILE, MPH, ProfileError, load_profile, parse_maxspeed


@pytest.mark.parametrize("value, kmh", [
    ("50", 50.0), ("50 km/h", 50.0), (" 60 ", 60.0), ("50 mph", 50 * MPH), ("20mph", 20 * MPH),
    ("10 knots", 18.52), ("RU:urban", 60.0), ("RU:rural", 90.0), ("ru:Urban", 60.0), ("DE:urban", 50.0),
    ("XX:urban", 50.0), ("XX:rural", 80.0), ("CN:urban", 50.0), ("DE:zone30", 30.0), ("DE:zone:20", 20.0),
    ("GB:nsl_single", 60 * MPH), ("walk", 5.0), ("30;50", 30.0), ("signals;40", 40.0),
])
def test_parse_maxspeed(value, kmh):
    assert parse_maxspeed(value) == pytest.approx(kmh)


@pytest.mark.parametrize("value", [None, "", "signals", "variable", "fast", "0", "-10", "XX:nowhere"])
def test_unusable_maxspeed_is_none(value):
    assert parse_maxspeed(value) is None


def test_no_limit_maps_to_the_given_value():
    assert parse_maxspeed("none", no_limit=112.5) == 112.5
    assert parse_maxspeed("DE:motorway", no_limit=112.5) == 112.5


def test_bundled_profile_speeds_and_caps():
    profile = load_profile()
    assert profile.name == "消防车" and profile.max_speed_kmh == 90 and profile.maxspeed_factor == 0.8
    assert profile.class_speed("primary", urban=True) == 40 and profile.class_speed("primary", urban=False) == 55
    assert "footway" not in profile.speeds_kmh and "track" not in profile.speeds_kmh
    assert profile.speed_kmh("residential", urban=True) == 20
    assert profile.speed_kmh("residential", urban=True, maxspeed="50") == pytest.approx(40)  # 50 × 0.8
    assert profile.speed_kmh("motorway", urban=False, maxspeed="130") == 90  # the truck's max
    assert profile.speed_kmh("motorway", urban=False, maxspeed="none") == 90
    assert profile.speed_kmh("secondary", urban=True, maxspeed="RU:urban") == pytest.approx(48)
    assert profile.speed_kmh("secondary", urban=True, maxspeed="signals") == 35  # class speed
    assert "建标152-2017" in DEFAULT_PROFILE.read_text(encoding="utf-8")  # the assumption is written down


def test_a_bad_profile_file_is_refused_in_chinese(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[speeds_kmh]\nprimary = [40]\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="城区 km/h, 乡村 km/h"):
        load_profile(path)
    path.write_text("name = \n", encoding="utf-8")
    with pytest.raises(ProfileError, match="格式有误"):
        load_profile(path)
    with pytest.raises(ProfileError, match="找不到速度配置文件"):
        load_profile(tmp_path / "missing.toml")
    path.write_text('max_speed_kmh = -1\n[speeds_kmh]\nprimary = [40, 50]\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="max_speed_kmh 应为正数"):
        load_profile(path)
