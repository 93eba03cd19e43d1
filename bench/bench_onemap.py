"""One-map (应急一张图): the layer endpoint on 50k rescue forces, and the page's navigation timing.

Prints the median time of GET /api/forces/layer/ for a bbox holding 10k forces (all points, as the
one-map gets them when zoomed in), the same with ?zoom= (server-side grid clusters), the whole county
(50k) thinned, and a naive baseline run in the same process: every force through the DRF list
serializer, cut to the bbox in Python. Then the one-map page in headless Chromium on the demo data
(before seeding): navigation timing (domInteractive, load) and the time until every default layer is drawn.

    .venv/bin/python bench/bench_onemap.py [--rows 50000] [--in-bbox 10000]

Set-up data is bulk-inserted (it is the state being measured, not the services that wrote it).
"""

import argparse
import os
import sys

from common import demo_site, median_ms

BBOX = (105.00, 30.20, 105.10, 30.30)
CHROMIUM = os.environ.get("YINGJI_CHROMIUM", "/usr/bin/chromium")


def page_timing(base_url: str) -> dict:
    from playwright.sync_api import sync_playwright

    from yingji.core.demo import DEMO_PASSWORD

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 860})
        page.goto(f"{base_url}/login/")
        page.fill("#id_username", "duty")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        runs = []
        for _ in range(5):
            page.goto(f"{base_url}/map/")
            page.wait_for_selector("body[data-onemap-ready='1']", state="attached")
            runs.append(page.evaluate("""() => {
                const n = performance.getEntriesByType('navigation')[0];
                return {interactive: n.domInteractive, load: n.loadEventEnd, drawn: performance.now()};
            }"""))
        browser.close()
    runs.sort(key=lambda run: run["drawn"])
    return runs[len(runs) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--in-bbox", type=int, default=10_000)
    args = parser.parse_args()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    demo_site()
    from django.test import Client
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    from yingji.core.layers import CLUSTER_THRESHOLD
    from yingji.core.models import Region
    from yingji.resources.api import ForceSerializer
    from yingji.resources.models import RescueForce

    # --- the page, on the demo data ------------------------------------------------------------------
    server = LiveServerThread("localhost", _StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    timing = page_timing(f"http://localhost:{server.port}")
    server.terminate()

    # --- the layer endpoint on many forces ---------------------------------------------------------------
    townships = list(Region.objects.filter(parent__code="512022"))
    west, south, east, north = BBOX
    print(f"seeding {args.rows:,} forces, {args.in_bbox:,} of them in bbox {BBOX} …", file=sys.stderr)
    side = int(args.in_bbox ** 0.5) + 1
    forces = []
    for i in range(args.rows):
        if i < args.in_bbox:  # a grid inside the bbox
            lon = west + 0.001 + (i % side) * (east - west - 0.002) / side
            lat = south + 0.001 + (i // side) * (north - south - 0.002) / side
        else:  # the rest of the county, outside the bbox
            lon, lat = 104.75 + (i % 211) * 0.0011, 30.32 + (i // 211 % 211) * 0.0011
        forces.append(RescueForce(name=f"压测队伍{i:06d}", type="social", region=townships[i % len(townships)],
                                  longitude=lon, latitude=lat, members_total=20, members_on_duty=5,
                                  capabilities=["11A00"]))
    RescueForce.objects.bulk_create(forces, batch_size=5000)

    client = Client()
    assert client.login(username="duty", password="Yingji@2026")
    bbox = ",".join(str(v) for v in BBOX)

    def layer(query, expect=None):
        response = client.get(f"/api/forces/layer/?{query}")
        assert response.status_code == 200, response.content[:300]
        if expect is not None:
            data = response.json()
            assert expect(data), {k: v for k, v in data.items() if k != "features"}

    in_bbox = RescueForce.objects.filter(longitude__gte=west, longitude__lte=east,
                                         latitude__gte=south, latitude__lte=north).count()
    points = median_ms(lambda: layer(f"bbox={bbox}"), runs=7)
    layer(f"bbox={bbox}", lambda d: len(d["features"]) == in_bbox and not d.get("clustered"))
    thinned = median_ms(lambda: layer(f"bbox={bbox}&zoom=13"), runs=15)
    layer(f"bbox={bbox}&zoom=13", lambda d: d["clustered"] and d["total"] == in_bbox)
    county = median_ms(lambda: layer("bbox=104.5,29.9,105.6,30.7&zoom=10"), runs=15)
    layer("bbox=104.5,29.9,105.6,30.7&zoom=10", lambda d: d["clustered"] and d["total"] > args.rows * 0.9)

    def naive():
        rows = ForceSerializer(RescueForce.objects.select_related("region", "organisation"), many=True,
                               context={"request": None}).data
        return [{"type": "Feature", "id": row["id"],
                 "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
                 "properties": row}
                for row in rows
                if row["longitude"] is not None and west <= row["longitude"] <= east and south <= row["latitude"] <= north]

    assert len(naive()) == in_bbox
    slow = median_ms(naive, runs=3, warm=False)
    print(f"one-map page (demo data, headless Chromium, median of 5): domInteractive {timing['interactive']:.0f} ms, "
          f"load {timing['load']:.0f} ms, all default layers drawn {timing['drawn']:.0f} ms  (target interactive ≤ 2000 ms)")
    print(f"layer, {in_bbox:,} points in bbox (all sent):   {points:7.1f} ms median  (target ≤ 200 ms)")
    print(f"layer, same bbox thinned (zoom=13):       {thinned:7.1f} ms median  (> {CLUSTER_THRESHOLD:,} points → clusters)")
    print(f"layer, whole county {RescueForce.objects.count():,} thinned (zoom=10): {county:7.1f} ms median")
    print(f"naive: all forces through the DRF serializer, bbox cut in Python: {slow:7.1f} ms median "
          f"→ layer endpoint {slow / points:.0f}× faster, thinned {slow / thinned:.0f}× faster")


if __name__ == "__main__":
    main()
