"""Web-map coordinate conversions against the values of the widely used coordtransform library."""

import numpy as np
import pytest

from yingji.standards import coordinates as c

# Reference outputs of wandergis/coordtransform for the input (116.404, 39.915).
REFERENCE = {
    "wgs84_to_gcj02": (116.41024449916938, 39.91640428150164),
    "gcj02_to_bd09": (116.41036949371029, 39.92133699351021),
    "bd09_to_gcj02": (116.39762729119315, 39.90865673957631),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_matches_reference_implementation(name):
    lon, lat = getattr(c, name)(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx(REFERENCE[name], abs=1e-9)


def test_gcj02_inverse_round_trips_to_a_tenth_of_a_millimetre():
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(74, 134, 1000), rng.uniform(18, 53, 1000)
    back_lon, back_lat = c.gcj02_to_wgs84(*c.wgs84_to_gcj02(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-9
    assert np.max(np.abs(back_lat - lat)) < 1e-9


def test_bd09_round_trip_through_to_and_from_wgs84():
    lon, lat = np.array([105.02019, 104.627636]), np.array([30.276121, 30.128901])
    bd_lon, bd_lat = c.from_wgs84(lon, lat, "bd09")
    assert np.all(np.abs(bd_lon - lon) > 0.005)  # Baidu's offset is real (hundreds of metres)
    back_lon, back_lat = c.to_wgs84(bd_lon, bd_lat, "bd09")
    assert np.allclose(back_lon, lon, atol=1e-7) and np.allclose(back_lat, lat, atol=1e-7)


def test_no_shift_outside_china():
    lon, lat = c.wgs84_to_gcj02(2.3522, 48.8566)  # Paris
    assert (float(lon), float(lat)) == (2.3522, 48.8566)


def test_unknown_system_is_a_chinese_error():
    with pytest.raises(ValueError, match="未知坐标系"):
        c.to_wgs84(105.0, 30.0, "utm")
