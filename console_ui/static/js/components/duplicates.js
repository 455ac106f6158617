// Possible duplicates (并单 candidates) and reports already merged, with an optional "merge here".
import { h } from "../dom.js";
import { label, t } from "../i18n.js";
import { fmtTime } from "../time.js";
import { orderHref, stateBadge } from "./format.js";

function facts(d) {
  const bits = [];
  if (d.score != null) bits.push(t("ui.dup_score", { score: `${Math.round(d.score * 100)}%` }));
  if (d.place) bits.push(label("dup_place", d.place));
  if (d.same_caller) bits.push(t("ui.dup_same_caller"));
  if (d.days_apart != null) bits.push(t("ui.dup_days", { days: d.days_apart }));
  bits.push(fmtTime(d.received_at));
  return bits.join(" · ");
}

/** One row per order: number (link), state, title, why it looks the same; a button when `onMerge`. */
export function duplicateList(items, { id, onMerge } = {}) {
  return h("ul", { class: "duplicates", id }, items.map((d) => h("li", { class: "duplicate", dataset: { orderId: d.order_id } },
    h("div", { class: "dup-head" }, h("a", { href: orderHref(d) }, d.number || `#${d.order_id}`), " ", stateBadge(d.state)),
    h("div", { class: "dup-title" }, d.title),
    h("small", { class: "muted" }, facts(d)),
    onMerge ? h("button", { type: "button", class: "secondary dup-merge", onClick: () => onMerge(d) },
      t("ui.dup_merge_into")) : null)));
}
