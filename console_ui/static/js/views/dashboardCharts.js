// ECharts options for the dashboard, built from the API's rows (pure: data in, option out).
import { label } from "../i18n.js";

const LEGEND = { top: 0, textStyle: { color: "#cfd8dc" } };
const received = (r) => r.counts.received || 0;
const closed = (r) => r.counts.closed || 0;
const short = (v) => (v.length > 9 ? `${v.slice(0, 9)}…` : v);

export function stateOption(counts) {
  return {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["40%", "70%"], label: { color: "#cfd8dc" },
      data: Object.entries(counts).filter(([, n]) => n > 0).map(([s, n]) => ({ name: label("state", s), value: n })) }],
  };
}

/** Daily received and closed bars with the closure rate line (group_by=period rows). */
export function trendOption(rows) {
  const rate = (r) => r.kpis.find((k) => k.code === "closure_rate")?.value;
  return {
    tooltip: { trigger: "axis" }, legend: LEGEND, grid: { left: 40, right: 40, top: 30, bottom: 30 },
    xAxis: { type: "category", data: rows.map((r) => r.label.slice(5)) },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: label("count", "received"), type: "bar", data: rows.map(received) },
      { name: label("count", "closed"), type: "bar", data: rows.map(closed) },
      { name: label("kpi", "closure_rate"), type: "line", yAxisIndex: 1, smooth: true,
        data: rows.map((r) => (rate(r) == null ? null : Math.round(rate(r) * 1000) / 10)) },
    ],
  };
}

/** Units with something in the period (forty empty bars say nothing), all of them otherwise. */
export function busyRows(rows) {
  const busy = rows.filter((r) => r.counts.received || r.counts.closed || r.counts.due_to_close);
  return busy.length ? busy : rows;
}

export function areaOption(rows) {
  return {
    tooltip: { trigger: "axis" }, legend: LEGEND, grid: { left: 40, right: 20, top: 30, bottom: 80 },
    xAxis: { type: "category", data: rows.map((r) => r.label), axisLabel: { rotate: 30, interval: 0, formatter: short } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: label("count", "received"), type: "bar", barMaxWidth: 26, data: rows.map(received) },
      { name: label("count", "closed"), type: "bar", barMaxWidth: 26, data: rows.map(closed) },
    ],
  };
}

export function channelOption(rows) {
  return {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: "65%", label: { color: "#cfd8dc" },
      data: rows.map((r) => ({ name: label("channel", r.key) || r.label, value: received(r) })) }],
  };
}

/** The twelve categories with most calls, largest on top. */
export function categoryOption(rows) {
  const cats = [...rows].sort((a, b) => received(a) - received(b)).slice(-12);
  return {
    tooltip: { trigger: "axis" }, grid: { left: 110, right: 20, top: 10, bottom: 20 },
    xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: cats.map((r) => r.label) },
    series: [{ type: "bar", barMaxWidth: 26, data: cats.map(received) }],
  };
}
