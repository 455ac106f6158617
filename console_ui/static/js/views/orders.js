// Search every order within reach: by number / text, state, channel, overdue.
import { api } from "../api.js";
import { clear, h, select } from "../dom.js";
import { label, t } from "../i18n.js";
import { orderList } from "../components/orderList.js";
import { exportButton } from "../components/exportJob.js";

const STATES = ["received", "pending_dispatch", "dispatched", "handling", "return_requested", "suspended",
  "feedback_submitted", "site_check", "callback_pending", "verified", "closed", "refused", "transferred", "merged"];
const CHANNELS = ["12345", "12328", "12319", "110", "wechat", "weibo", "app", "website", "cppcc", "grid"];

export function mountOrders(root, { query }) {
  const q = h("input", { type: "search", name: "q", placeholder: t("ui.filter_q"), value: query.get("q") || "" });
  const state = select({ name: "state" }, [["", t("ui.all")], ...STATES.map((s) => [s, label("state", s)])], query.get("state"));
  const channel = select({ name: "channel" }, [["", t("ui.all")], ...CHANNELS.map((c) => [c, label("channel", c)])], query.get("channel"));
  const overdue = h("input", { type: "checkbox", name: "overdue", checked: query.get("overdue") === "true" });
  const holder = h("div");
  let list = null;
  const params = () => ({ q: q.value.trim() || undefined, state: state.value || undefined,
    channel: channel.value || undefined, overdue: overdue.checked ? true : undefined });
  // the export takes the filters shown, within the same reach as the list
  const exporter = exportButton({ kind: "orders", id: "export-orders", filters: () => {
    const p = params();
    return { ...p, state: p.state ? [p.state] : undefined };
  } });

  function run() {
    if (list) list.destroy();
    const current = params();
    list = orderList({ id: "search-results", load: (page) => api("/orders", { params: { ...current, ...page } }) });
    clear(holder).append(list.el);
  }

  root.append(h("h2", {}, t("ui.menu.orders")),
    h("form", { class: "filters", onSubmit: (ev) => { ev.preventDefault(); run(); } },
      q, state, channel, h("label", { class: "check" }, overdue, t("ui.overdue_only")),
      h("button", { type: "submit", class: "primary" }, t("ui.search")), exporter.el),
    holder);
  run();
  return () => { exporter.destroy(); if (list) list.destroy(); };
}
