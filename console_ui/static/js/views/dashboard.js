// 指挥大屏: live counts by state, the KPIs with their formulas (from the SLA endpoints), the map
// (dashboardMap.js), trend, breakdowns by area / channel / category, the overdue list and Excel
// exports. Where an endpoint has not landed, the panel says so and shows no number.
import { api, ApiError, session } from "../api.js";
import { clear, debounce, h, select, toast } from "../dom.js";
import { label, t } from "../i18n.js";
import { onOrderEvent } from "../live.js";
import { fmtDate, fmtTime } from "../time.js";
import { errorText } from "../components/errors.js";
import { orderHref, stateBadge } from "../components/format.js";
import { hotTopicList } from "../components/hotTopics.js";
import { exportButton } from "../components/exportJob.js";
import { mapPanel } from "./dashboardMap.js";
import { areaOption, busyRows, categoryOption, channelOption, stateOption, trendOption } from "./dashboardCharts.js";

const OPEN = ["received", "pending_dispatch", "dispatched", "handling", "return_requested", "suspended", "feedback_submitted", "site_check",
  "callback_pending", "verified"];
const KPI_TILES = ["closure_rate", "on_time_closure_rate", "effective_closure_rate", "response_rate",
  "resolution_rate", "satisfaction_rate", "three_rates_composite"];
const HOT_DAYS = 7;
const HOT_REFRESH_MS = 5 * 60 * 1000;
const PALETTE = ["#4fc3f7", "#81c784", "#ffb74d", "#e57373", "#ba68c8", "#4db6ac", "#f06292", "#aed581",
  "#90a4ae", "#ffd54f", "#7986cb", "#a1887f", "#64b5f6", "#dce775"];

function tile(id, title, value, formula, extra) {
  return h("div", { class: "tile", id, tabindex: "0", title: formula, dataset: { formula } },
    h("div", { class: "tile-title" }, title),
    h("div", { class: "tile-value" }, value),
    extra ? h("div", { class: "tile-extra" }, extra) : null,
    h("div", { class: "formula", role: "tooltip" }, `${t("ui.formula")}：${formula}`));
}

// a route that does not exist (the package has not landed), not a "unit not found" answer
const routeMissing = (err) => err instanceof ApiError && err.status === 404 && err.message === "Not Found";

function placeholder(id, text) {
  return h("div", { class: "placeholder", id }, text);
}

function overdueTable(rows) {
  return h("table", { class: "orders compact" },
    h("thead", {}, h("tr", {}, [t("ui.number"), t("ui.title_col"), t("ui.current_unit"), t("ui.due_at"),
      t("ui.overdue_days"), t("ui.state")].map((c) => h("th", {}, c)))),
    h("tbody", {}, rows.map((r) => h("tr", { dataset: { orderId: r.id } },
      h("td", {}, h("a", { href: orderHref(r) }, r.number || `#${r.id}`)), h("td", {}, r.title),
      h("td", {}, r.unit || "—"), h("td", {}, fmtTime(r.deadline)), h("td", {}, r.days ?? "—"),
      h("td", {}, stateBadge(r.state))))));
}

async function download(path, params, fallbackName) {
  const url = new URL(`/api/v1${path}`, location.origin);
  Object.entries(params).forEach(([k, v]) => v != null && url.searchParams.set(k, v));
  const res = await fetch(url, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!res.ok) throw new ApiError(res.status, res.status === 404 ? "not_found" : "error", `HTTP ${res.status}`);
  const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || fallbackName;
  const a = h("a", { href: URL.createObjectURL(await res.blob()), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

// ECharts (1 MB) is fetched only by the screen that draws charts
const ECHARTS = "../../vendor/echarts-5.6.0/echarts.esm.min.js";

export async function mountDashboard(root, { me }) {
  const echarts = await import(ECHARTS);
  const charts = new Map();
  let sla = "unknown";             // unknown | on | missing
  let period = "month";
  const areaStack = [{ id: me.unit.id, name: me.unit.name }];

  const stats = h("div", { class: "tiles", id: "stat-tiles" });
  const kpis = h("div", { class: "tiles kpi-tiles", id: "kpi-tiles" });
  const periodSel = select({ id: "period", name: "period", onChange: () => { period = periodSel.value; refresh(); } },
    ["day", "week", "month"].map((p) => [p, label("period", p)]), period);
  const exportKpi = h("button", { class: "secondary", id: "export-kpi", onClick: () => exportFile("kpi") }, t("ui.export_kpi"));
  const exportOverdue = h("button", { class: "secondary", id: "export-overdue", onClick: () => exportFile("overdue") }, t("ui.export_overdue"));
  // 运行分析月报: a Word document written in the background; the month before this one by default
  const lastMonth = new Date(new Date().getFullYear(), new Date().getMonth() - 1, 1);
  const reportMonth = h("input", { type: "month", id: "report-month", name: "report-month",
    value: `${lastMonth.getFullYear()}-${String(lastMonth.getMonth() + 1).padStart(2, "0")}` });
  const report = exportButton({ kind: "report", id: "export-report", caption: t("ui.report_button"),
    filters: () => ({ unit_id: me.unit.id, month: reportMonth.value || undefined }) });
  const areaTitle = h("span");
  const areaUp = h("button", { class: "link", hidden: true, onClick: () => { areaStack.pop(); refreshArea(); } }, t("ui.drill_up"));
  const overdueBox = h("div", { id: "overdue-list", class: "overdue-list" });
  const hotBox = h("div", { id: "hot-topics" });
  const box = (id) => h("div", { class: "chart", id });

  const panels = {
    trend: box("chart-trend"), state: box("chart-state"), area: box("chart-area"),
    channel: box("chart-channel"), category: box("chart-category"),
  };
  const map = mapPanel({ echarts, me, kpiTable: (params) => kpiTable(params), period: () => period });
  root.classList.add("dark");
  root.append(
    h("div", { class: "dash-head" }, h("h2", {}, `${t("ui.dash_title")} · ${me.unit.name}`),
      h("div", { class: "dash-tools" }, h("label", {}, t("ui.period_label"), " ", periodSel), exportKpi, exportOverdue,
        h("label", {}, t("ui.report_month"), " ", reportMonth), report.el)),
    stats, kpis,
    h("div", { class: "dash-grid" }, map.el,
      h("section", { class: "panel wide" }, h("h3", {}, t("ui.trend")), panels.trend),
      h("section", { class: "panel" }, h("h3", {}, t("ui.by_state")), panels.state),
      h("section", { class: "panel wide" }, h("h3", {}, t("ui.breakdown_area"), " · ", areaTitle, " ", areaUp,
        h("small", { class: "muted" }, ` ${t("ui.drill_hint")}`)), panels.area),
      h("section", { class: "panel" }, h("h3", {}, t("ui.breakdown_channel")), panels.channel),
      h("section", { class: "panel wide" }, h("h3", {}, t("ui.breakdown_category")), panels.category),
      h("section", { class: "panel" }, h("h3", {}, t("ui.hot_topics")), hotBox),
      h("section", { class: "panel full" }, h("h3", {}, t("ui.overdue_list")), overdueBox)));

  function chart(name, option) {
    const el = panels[name];
    let c = charts.get(name);
    if (!c) {
      clear(el);
      c = echarts.init(el, "dark", { renderer: "canvas" });
      charts.set(name, c);
    }
    c.setOption({ backgroundColor: "transparent", color: PALETTE, textStyle: { fontFamily: "inherit" }, ...option }, true);
    return c;
  }

  function noChart(name, text) {
    const c = charts.get(name);
    if (c) { c.dispose(); charts.delete(name); }
    clear(panels[name]).append(placeholder(`${panels[name].id}-placeholder`, text));
  }

  async function kpiTable(params) {
    if (sla === "missing") return null;
    try {
      // periods end with today in Beijing (the server's default `at` is the UTC date)
      const table = await api("/sla/kpi", { params: { at: fmtDate(new Date()), ...params } });
      sla = "on";
      return table;
    } catch (err) {
      if (routeMissing(err)) { sla = "missing"; return null; }
      throw err;
    }
  }

  async function refreshStats() {
    const counts = await api("/orders/stats/by-state");
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const open = OPEN.reduce((a, s) => a + (counts[s] || 0), 0);
    let overdue = null;
    try {
      const page = await api("/orders", { params: { overdue: true, limit: 200 } });
      overdue = page.next_cursor ? `${page.items.length}+` : String(page.items.length);
    } catch { /* shown as — */ }
    clear(stats).append(
      tile("stat-total", t("ui.total"), String(total), t("ui.f_total")),
      tile("stat-open", t("ui.open_orders"), String(open), t("ui.f_open")),
      tile("stat-closed", t("ui.closed_orders"), String(counts.closed || 0), t("ui.f_closed")),
      tile("stat-overdue", t("ui.overdue_orders"), overdue ?? "—", t("ui.f_overdue")));
    chart("state", stateOption(counts));
  }

  async function refreshKpis() {
    const table = await kpiTable({ group_by: "unit", period });
    clear(kpis);
    if (!table) {
      kpis.append(...KPI_TILES.map((code) => tile(`kpi-${code}`, label("kpi", code), t("ui.sla_missing_short"),
        t("ui.kpi_pending_long"), null)));
      kpis.classList.add("pending");
      return;
    }
    kpis.classList.remove("pending");
    const byCode = Object.fromEntries(table.total.kpis.map((k) => [k.code, k]));
    for (const code of KPI_TILES) {
      const k = byCode[code];
      if (!k) continue;
      kpis.append(tile(`kpi-${code}`, label("kpi", code), k.display, k.formula,
        k.denominator != null ? `${k.numerator ?? "—"} / ${k.denominator}` : null));
    }
  }

  async function refreshTrend() {
    const table = await kpiTable({ group_by: "period", period: "day", count: 14 });
    if (!table) { noChart("trend", t("ui.kpi_pending_long")); return; }
    chart("trend", trendOption(table.rows));
  }

  async function refreshArea() {
    const scope = areaStack[areaStack.length - 1];
    areaTitle.textContent = scope.name;
    areaUp.hidden = areaStack.length < 2;
    const table = await kpiTable({ group_by: "unit", period, unit_id: scope.id });
    if (!table) { noChart("area", t("ui.kpi_pending_long")); return; }
    const rows = busyRows(table.rows);
    const c = chart("area", areaOption(rows));
    c.off("click");
    c.on("click", (p) => {
      const row = rows[p.dataIndex];
      if (!row || !row.key.startsWith("/")) return;
      const id = row.key.split("/").filter(Boolean).pop();
      areaStack.push({ id, name: row.label });
      refreshArea();
    });
  }

  async function refreshDims() {
    const [byChannel, byCategory] = await Promise.all([
      kpiTable({ group_by: "channel", period }), kpiTable({ group_by: "category", period })]);
    if (!byChannel) { noChart("channel", t("ui.kpi_pending_long")); noChart("category", t("ui.kpi_pending_long")); return; }
    chart("channel", channelOption(byChannel.rows));
    chart("category", categoryOption(byCategory.rows));
  }

  async function refreshOverdue() {
    let rows;
    if (sla !== "missing") {
      try {
        rows = (await api("/sla/overdue", { params: { limit: 50 } })).map((r) => ({
          id: r.order_id, number: r.number, title: r.title, unit: r.unit_name, deadline: r.deadline,
          days: r.overdue_working_days, state: r.state }));
      } catch (err) {
        if (!routeMissing(err)) throw err;
      }
    }
    if (!rows) {
      rows = (await api("/orders", { params: { overdue: true, limit: 50 } })).items.map((o) => ({
        id: o.id, number: o.number, title: o.title, unit: null, deadline: o.due_at, days: null, state: o.state }));
    }
    clear(overdueBox).append(rows.length ? overdueTable(rows) : h("p", { class: "muted" }, t("ui.empty")));
  }

  // clustering costs a second or two: on opening and every few minutes, not on every live event
  async function refreshHot() {
    try {
      clear(hotBox).append(hotTopicList(await api("/insights/hot-topics", { params: { days: HOT_DAYS } })));
    } catch (err) {
      clear(hotBox).append(h("p", { class: "error" }, errorText(err)));
    }
  }

  async function exportFile(kind) {
    try {
      if (kind === "kpi") await download("/sla/kpi.xlsx", { group_by: "unit", period, at: fmtDate(new Date()) }, "kpi.xlsx");
      else await download("/sla/overdue.xlsx", {}, "overdue.xlsx");
    } catch (err) {
      toast(err.status === 404 ? t("ui.export_pending") : errorText(err), "error");
    }
  }

  async function refresh() {
    const jobs = [refreshStats(), refreshKpis(), refreshTrend(), refreshArea(), refreshDims(), refreshOverdue(), map.refresh()];
    const results = await Promise.allSettled(jobs);
    results.filter((r) => r.status === "rejected").forEach((r) => console.error(r.reason));
    if (sla === "missing") { exportKpi.disabled = true; exportOverdue.disabled = true; exportKpi.title = t("ui.export_pending"); }
    root.dataset.refreshed = String(Date.now());
  }

  const resize = debounce(() => { charts.forEach((c) => c.resize()); map.resize(); }, 150);
  window.addEventListener("resize", resize);
  const later = debounce(refresh, 1200);
  const unsubscribe = onOrderEvent(later);
  const hotTimer = setInterval(refreshHot, HOT_REFRESH_MS);
  await Promise.all([refresh(), refreshHot()]);
  return () => {
    unsubscribe();
    clearInterval(hotTimer);
    later.cancel();
    window.removeEventListener("resize", resize);
    charts.forEach((c) => c.dispose());
    map.dispose();
    report.destroy();
    root.classList.remove("dark");
  };
}
