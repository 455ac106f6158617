// The map's figures from the KPI table's rows (pure: rows in, numbers out). A unit row's key is
// its path ("/<city>/<county>/"); the map names a unit by its id, the path's last segment.
import { label, t } from "../i18n.js";

const rate = (row, code) => {
  const v = row.kpis.find((k) => k.code === code)?.value;
  return v == null ? null : Math.round(v * 1000) / 10;
};

// overdue: orders due to close in the period not closed on time (应结案 − 按期结案)
export const FIGURES = {
  orders: { value: (r) => r.counts.received || 0, unit: "", name: () => label("count", "received") },
  closure_rate: { value: (r) => rate(r, "closure_rate"), unit: "%", name: () => label("kpi", "closure_rate"), good: "high" },
  on_time_rate: { value: (r) => rate(r, "on_time_closure_rate"), unit: "%", name: () => label("kpi", "on_time_closure_rate"), good: "high" },
  overdue: { value: (r) => Math.max(0, (r.counts.due_to_close || 0) - (r.counts.closed_on_time || 0)), unit: "",
    name: () => t("ui.map_overdue") },
};

export const unitIdOf = (key) => (key && key.startsWith("/") ? key.split("/").filter(Boolean).pop() : null);

/** unit id → figure value (null where the rate has no denominator). */
export function figureByUnit(rows, figure) {
  const f = FIGURES[figure];
  return Object.fromEntries((rows || []).filter((r) => unitIdOf(r.key)).map((r) => [unitIdOf(r.key), f.value(r)]));
}

export function fmtFigure(value, figure) {
  return value == null ? "—" : `${value}${FIGURES[figure].unit}`;
}

/** visualMap bounds: rates on 0–100, counts from 0 to the largest (at least 1). */
export function figureRange(values, figure) {
  if (FIGURES[figure].unit === "%") return [0, 100];
  return [0, Math.max(1, ...values.filter((v) => v != null))];
}
