"""The dashboard's map (区域地图): the city's counties coloured by a chosen figure, every unit
listed beside it (those without a polygon marked, never dropped), a click on a county opens its
outline with the orders that carry coordinates as points, and new orders move it live."""
from __future__ import annotations

import pytest

from dispatch.config import get_settings
from tests.conftest import wait_until
from tests.helpers import auth, new_call

pytestmark = pytest.mark.browser

PIXEL_OF = """async ([lng, lat]) => {
  const echarts = await import("/console/vendor/echarts-5.6.0/echarts.esm.min.js");
  const box = document.getElementById("chart-map");
  const [x, y] = echarts.getInstanceByDom(box).convertToPixel({ geoIndex: 0 }, [lng, lat]);
  const r = box.getBoundingClientRect();
  return [x + r.left, y + r.top];
}"""


def _city_map(client, tokens) -> dict:
    return client.get("/api/v1/geo/map", headers=auth(tokens["city_supervisor"])).json()


def _cell(page, unit_id: str) -> str:
    return page.locator(f"#map-units tr[data-unit-id='{unit_id}'] td").nth(1).inner_text().strip()


def test_city_map_colours_the_counties_and_lists_every_unit(console, client, tokens, seeded):
    geo = _city_map(client, tokens)
    sup = console("city_supervisor")
    sup.go("dashboard")
    p = sup.page
    panel = p.locator("#map-panel[data-level=city]")
    panel.wait_for()
    assert panel.get_attribute("data-polygons") == str(len(geo["geojson"]["features"]))
    assert p.locator("#chart-map canvas").count() == 1
    rows = p.locator("#map-units tbody tr")
    assert rows.count() == len(geo["units"])
    listed = p.eval_on_selector_all("#map-units tr[data-polygon=false] a", "as => as.map(a => a.textContent)")
    assert sorted(listed) == sorted(u["name"] for u in geo["units"] if not u["has_polygon"])
    assert p.locator("#map-units tr[data-polygon=false] .no-polygon").count() == len(listed)

    before = int(_cell(p, seeded.county.id))
    new_call(client, tokens["county_operator"], content="地图实时测试：小区路灯不亮",
             division_code=seeded.township.id)
    wait_until(lambda: int(_cell(p, seeded.county.id)) >= before + 1)   # over the websocket

    p.select_option("#map-figure", "closure_rate")
    p.locator("#map-panel[data-figure=closure_rate]").wait_for()
    assert "结案率" in p.locator("#map-units thead").inner_text()
    p.select_option("#map-figure", "orders")
    p.locator("#map-panel[data-figure=orders]").wait_for()
    p.locator("#map-panel").scroll_into_view_if_needed()
    sup.shot(f"16-map-city-{get_settings().city}", full_page=False)


def test_a_click_on_a_county_opens_it_with_its_located_orders(console, client, tokens, seeded):
    geo = _city_map(client, tokens)
    county = next(f for f in geo["geojson"]["features"] if f["properties"]["unit_id"] == seeded.county.id)
    lng, lat = county["properties"]["centroid"]
    for i, (dx, dy) in enumerate([(0, 0), (0.06, 0.04), (-0.05, 0.07), (0.08, -0.06)]):
        new_call(client, tokens["city_operator"], content=f"地图测试{i}：井盖缺失，已发送位置",
                 division_code=seeded.township.id, latitude=lat + dy, longitude=lng + dx)
    sup = console("city_supervisor")
    sup.go("dashboard")
    p = sup.page
    p.locator("#map-panel[data-level=city]").wait_for()
    p.locator("#map-panel").scroll_into_view_if_needed()
    x, y = p.evaluate(PIXEL_OF, [lng, lat])
    p.mouse.click(x, y)
    panel = p.locator(f"#map-panel[data-unit='{seeded.county.id}'][data-level=county]")
    panel.wait_for()
    assert p.locator("#map-scope").inner_text() == seeded.county.name
    assert int(panel.get_attribute("data-points")) >= 4
    assert "带坐标的工单" in p.locator("#map-note").inner_text()
    # the county's townships have no polygon of their own: listed, each marked
    assert p.locator(f"#map-units tr[data-unit-id='{seeded.township.id}'] .no-polygon").count() == 1
    sup.shot(f"17-map-county-{get_settings().city}", full_page=False)
    p.click("#map-up")
    p.locator("#map-panel[data-level=city]").wait_for()
