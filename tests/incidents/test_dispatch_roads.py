"""With a road network imported, dispatch ranks by road time: across a river without a bridge the
station that looks nearest arrives last. Units off the network keep the labelled straight-line estimate."""

import pytest

from yingji.core import geo, roads
from yingji.incidents.services import dispatch
from yingji.resources import services as resources
from yingji.resources.models import RescueForce

pytestmark = pytest.mark.django_db

INCIDENT = (105.100, 30.250)
NORTH = (105.100, 30.262)  # 1.3 km away as the crow flies, but across the river
SOUTH = (105.100, 30.230)  # 2.2 km away, on the same bank
NODES = {1: NORTH, 2: (105.150, 30.262), 3: (105.150, 30.250), 4: INCIDENT, 5: SOUTH}


@pytest.fixture
def river_network(road_network):
    """Two banks joined only by a bridge 5 km east."""
    ways = [(10, [1, 2], {"highway": "secondary"}), (11, [2, 3], {"highway": "secondary", "bridge": "yes"}),
            (12, [3, 4], {"highway": "secondary"}), (13, [4, 5], {"highway": "secondary"})]
    return road_network("river", NODES, ways)


def station(name, point, region):
    return resources.save_force(None, RescueForce(), {
        "name": name, "type": "fire_station", "station_class": "class2", "region": region,
        "longitude": point[0], "latitude": point[1], "members_total": 20, "members_on_duty": 10,
        "capabilities": ["12G00"]})


def test_road_time_beats_straight_line(river_network, open_incident, duty, region):
    huilan = region("512022102")
    north, south = station("北岸消防站", NORTH, huilan), station("南岸消防站", SOUTH, huilan)
    incident = open_incident(longitude=INCIDENT[0], latitude=INCIDENT[1], event_code="12G03", title="南岸民房火灾")
    ranked = [c for c in dispatch.candidates(incident, duty, limit=100) if c.force in (north, south)]
    assert [c.force for c in ranked] == [south, north]
    assert all(c.method == "路网" for c in ranked)
    by_road = {c.force: c for c in ranked}
    assert by_road[north].metres > 10_000 > 2_500 > by_road[south].metres  # the detour over the bridge
    others = [c for c in dispatch.candidates(incident, duty, limit=100) if c.force not in (north, south)]
    # Forces beyond the 2 km snapping distance of this tiny network are estimated in a straight line.
    far = [c for c in others if min(geo.haversine_m(c.force.longitude, c.force.latitude, *node)
                                    for node in NODES.values()) > 2_100]
    assert far and all(c.method == "估算(直线)" for c in far)
    assignment = dispatch.dispatch(duty, incident, south)
    assert assignment.eta_method == "路网" and assignment.distance_m == pytest.approx(by_road[south].metres, abs=1)


def test_without_a_network_the_estimate_is_labelled(open_incident, duty, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # nothing imported here
    settings.YINGJI_ROAD_NETWORK = ""
    assert roads.network() is None
    rows = dispatch.candidates(open_incident(), duty)
    assert rows and {c.method for c in rows} == {"估算(直线)"}


def test_route_isochrone_and_coverage_api(river_network, open_incident, api, region):
    south = station("南岸消防站", SOUTH, region("512022102"))
    incident = open_incident(longitude=INCIDENT[0], latitude=INCIDENT[1], event_code="12G03")
    client = api("duty")
    route = client.get(f"/api/incidents/{incident.pk}/route/?force={south.pk}").json()
    assert route["properties"]["method"] == "路网"
    assert route["geometry"]["coordinates"][0] == pytest.approx(list(SOUTH))
    assert route["geometry"]["coordinates"][-1] == pytest.approx(list(INCIDENT))
    area = client.get(f"/api/forces/{south.pk}/isochrone/?minutes=5").json()
    assert area["type"] in ("Polygon", "MultiPolygon") and area["method"] == "路网"
    bad = client.get(f"/api/forces/{south.pk}/isochrone/?minutes=abc")
    assert bad.status_code == 400 and "minutes" in bad.json()["error"]["fields"]
    report = client.get("/api/forces/coverage/?minutes=5").json()
    assert 0 < report["road_pct"] <= 100


def test_coverage_needs_a_network(api, demo, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    response = api("duty").get("/api/forces/coverage/")
    assert response.status_code == 409 and "yingji roads import" in response.json()["error"]["message"]


def test_coverage_page_and_station_isochrone(river_network, web, region):
    south = station("南岸消防站", SOUTH, region("512022102"))
    client = web("duty")
    page = client.get("/forces/coverage/").content.decode()
    assert "道路里程覆盖率" in page and "未覆盖片区" in page
    assert 'data-testid="isochrone"' in client.get(south.get_absolute_url()).content.decode()


def test_coverage_page_without_network(web, demo):
    assert "尚未导入路网" in web("duty").get("/forces/coverage/").content.decode()


def test_siting_page(river_network, web):
    client = web("duty")
    page = client.get("/forces/siting/?k=1&minutes=3").content.decode()
    assert "精确解（HiGHS）" in page and "贪心解" in page and 'data-testid="siting-summary"' in page
    assert "应在 1–20 之间" in client.get("/forces/siting/?k=50").content.decode()


def test_siting_page_without_network(web, demo):
    assert "尚未导入路网" in web("duty").get("/forces/siting/?k=2").content.decode()
