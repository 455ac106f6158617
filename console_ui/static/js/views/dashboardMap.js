// 区域地图 on the dashboard: the city's counties coloured by a chosen figure, click-through to a
// county (its outline with the orders that carry coordinates as points), and every unit listed
// beside the map with its figure, marked where the boundary file has no polygon for it.
// Polygons come from /geo/map (matched to units by code on the server); figures from /sla/kpi.
import { api } from "../api.js";
import { clear, h, select } from "../dom.js";
import { label, t } from "../i18n.js";
import { fmtDate, fmtTime } from "../time.js";
import { orderHref } from "../components/format.js";
import { FIGURES, figureByUnit, figureRange, fmtFigure } from "./mapFigures.js";

const RAMP_UP = ["#1b3a5c", "#2e7d9a", "#ffd54f", "#ff8a65", "#e53935"];    // more is worse
const RAMP_GOOD = ["#e53935", "#ff8a65", "#ffd54f", "#66bb6a", "#2e7d32"];  // more is better

export function mapPanel({ echarts, me, kpiTable, period }) {
  const stack = [{ id: me.unit.id, name: me.unit.name }];
  const geoCache = new Map();
  let chart = null;
  let figure = "orders";
  const figureSel = select({ id: "map-figure", name: "map-figure", onChange: () => { figure = figureSel.value; refresh(); } },
    Object.entries(FIGURES).map(([code, f]) => [code, f.name()]), figure);
  const title = h("span", { id: "map-scope" });
  const up = h("button", { class: "link", id: "map-up", hidden: true, onClick: () => { stack.pop(); refresh(); } }, t("ui.drill_up"));
  const box = h("div", { class: "chart map-chart", id: "chart-map" });
  const side = h("div", { class: "map-units", id: "map-units" });
  const note = h("p", { class: "muted", id: "map-note" });
  const el = h("section", { class: "panel full", id: "map-panel" },
    h("div", { class: "map-head" }, h("h3", {}, t("ui.map_title"), " · ", title, " ", up),
      h("label", {}, t("ui.map_figure"), " ", figureSel)),
    h("div", { class: "map-body" }, box, side), note);

  async function geoOf(id) {
    if (!geoCache.has(id)) geoCache.set(id, await api("/geo/map", { params: { unit_id: id } }));
    return geoCache.get(id);
  }

  function drill(unit) {
    stack.push({ id: unit.unit_id, name: unit.name });
    refresh();
  }

  function unitList(geo, values) {
    const rows = [...geo.units].sort((a, b) => (values[b.unit_id] ?? -1) - (values[a.unit_id] ?? -1));
    return h("table", { class: "orders compact" },
      h("thead", {}, h("tr", {}, [t("ui.map_unit"), FIGURES[figure].name()].map((c) => h("th", {}, c)))),
      h("tbody", {}, rows.map((u) => h("tr", { dataset: { unitId: u.unit_id, polygon: String(u.has_polygon) } },
        h("td", {}, h("a", { href: "#", onClick: (e) => { e.preventDefault(); drill(u); } }, u.name),
          u.has_polygon ? null : h("span", { class: "tag no-polygon", title: t("ui.map_no_polygon_hint") }, t("ui.map_no_polygon"))),
        h("td", {}, fmtFigure(values[u.unit_id], figure))))));
  }

  function option(geo, values, total, points) {
    const features = geo.geojson.features;
    const own = geo.units.length === 0 || features.every((f) => f.properties.unit_id === geo.unit_id);
    const data = features.map((f) => ({ name: f.properties.name, unitId: f.properties.unit_id,
      value: own ? total : values[f.properties.unit_id] ?? null }));
    const [min, max] = figureRange(data.map((d) => d.value), figure);
    // one outline with its points: colouring a single region by its own figure says nothing
    const visualMap = own ? undefined : { min, max, left: 10, bottom: 10, calculable: true, seriesIndex: 0,
      text: [t("ui.map_high"), t("ui.map_low")], textStyle: { color: "#cfd8dc" },
      inRange: { color: FIGURES[figure].good ? RAMP_GOOD : RAMP_UP } };
    return {
      backgroundColor: "transparent",
      tooltip: { trigger: "item", formatter: (p) => (p.seriesType === "scatter"
        ? `${p.data.number || ""}<br/>${p.data.title || ""}<br/>${label("channel", p.data.channel)} · ${label("state", p.data.state)}<br/>${fmtTime(p.data.at)}`
        : `${p.name}<br/>${FIGURES[figure].name()}：${fmtFigure(p.value ?? null, figure)}`) },
      visualMap,
      geo: { map: geo.map_name, roam: true, layoutCenter: ["50%", "50%"], layoutSize: "95%", label: { show: !own, color: "#e3eaf2", fontSize: 11 },
        itemStyle: { areaColor: "#24496e", borderColor: "#90caf9" }, emphasis: { label: { color: "#fff" } } },
      series: [
        { type: "map", geoIndex: 0, name: FIGURES[figure].name(), data },
        { type: "scatter", coordinateSystem: "geo", symbolSize: 12, z: 5, animation: false, itemStyle: { color: "#ffeb3b", borderColor: "#263238", borderWidth: 1.5 },
          data: points.map((p) => ({ value: [p.longitude, p.latitude], id: p.order_id, number: p.number, title: p.title,
            channel: p.channel, state: p.state, at: p.received_at })) },
      ],
    };
  }

  async function refresh() {
    const scope = stack[stack.length - 1];
    title.textContent = scope.name;
    up.hidden = stack.length < 2;
    const [geo, table] = await Promise.all([geoOf(scope.id), kpiTable({ group_by: "unit", period: period(), unit_id: scope.id })]);
    const values = figureByUnit(table?.rows, figure);
    const total = table ? FIGURES[figure].value(table.total) : null;
    clear(side).append(unitList(geo, values));
    const notes = [geo.note, geo.polygons_without_unit.length ? t("ui.map_unclaimed", { names: geo.polygons_without_unit.join("、") }) : ""];
    let points = [];
    if (geo.geojson && geo.level !== "city") {
      const res = await api("/geo/points", { params: { unit_id: scope.id, period: period(), at: fmtDate(new Date()) } });
      points = res.points;
      notes.push(t("ui.map_points", { n: points.length }) + (res.truncated ? t("ui.map_truncated") : ""));
    }
    note.textContent = notes.filter(Boolean).join("；");
    Object.assign(el.dataset, { unit: scope.id, level: geo.level, polygons: String(geo.geojson?.features.length ?? 0),
      points: String(points.length), figure });
    if (!geo.geojson) {
      if (chart) { chart.dispose(); chart = null; }
      clear(box).append(h("div", { class: "placeholder", id: "chart-map-placeholder" }, geo.note));
      return;
    }
    if (!echarts.getMap(geo.map_name)) echarts.registerMap(geo.map_name, geo.geojson);
    if (!chart) { clear(box); chart = echarts.init(box, "dark", { renderer: "canvas" }); }
    chart.setOption(option(geo, values, total, points), true);
    chart.off("click");
    chart.on("click", (p) => {
      if (p.seriesType === "scatter") { location.hash = orderHref({ id: p.data.id }); return; }
      const unit = geo.units.find((u) => u.name === p.name && u.has_polygon);
      if (unit && geo.level === "city") drill(unit);
    });
  }

  return {
    el, refresh,
    resize: () => chart?.resize(),
    dispose: () => chart?.dispose(),
  };
}
