// 派单员 / 回访员: one tab per queue of the closed loop; every row opens the order and its actions.
import { api } from "../api.js";
import { clear, debounce, h } from "../dom.js";
import { t } from "../i18n.js";
import { onOrderEvent } from "../live.js";
import { orderList } from "../components/orderList.js";
import { pct, readItem } from "../components/suggest.js";

// tab → where its orders come from: a state of the loop, or the decisions awaiting this unit
const TABS = {
  pending: { state: "pending_dispatch" },
  returns: { approvals: "return" },
  requests: { approvals: "request" },
  audit: { state: "feedback_submitted" },
  site_check: { state: "site_check" },
  callback: { state: "callback_pending" },
  close: { state: "verified" },
};
const BY_ROLE = {
  dispatcher: ["pending", "returns", "requests", "audit", "site_check", "callback", "close"],
  callback_agent: ["callback", "close"],
};

function topSuggestion(o) {
  if (!(o.suggestions || []).length) return h("span", { class: "muted" }, "—");
  const s = readItem(o.suggestions[0]);
  return h("span", { class: "suggestion" }, `${s.name ?? ""}${pct(s.score)}`,
    s.unitName ? h("small", { class: "muted" }, ` → ${s.unitName}`) : null);
}

export function loaderFor(tab) {
  const src = TABS[tab];
  if (src.approvals) {
    return (page) => api("/console/approvals", { params: { kind: src.approvals, ...page } });
  }
  return (page) => api("/orders", { params: { state: src.state, ...page } });
}

export async function mountWorkbench(root, { me, query, route }) {
  const tabs = BY_ROLE[me.user.role] || BY_ROLE.dispatcher;
  const current = tabs.includes(query.get("tab")) ? query.get("tab") : tabs[0];
  const badges = Object.fromEntries(tabs.map((tab) => [tab, h("span", { class: "count", hidden: true })]));
  const bar = h("div", { class: "tabs", role: "tablist" }, tabs.map((tab) =>
    h("a", { role: "tab", href: `#/${route}?tab=${tab}`, class: tab === current ? "active" : "",
      dataset: { tab }, "aria-selected": String(tab === current) }, t(`ui.tab_${tab}`), badges[tab])));
  async function counts() {
    const byState = await api("/orders/stats/by-state").catch(() => ({}));
    for (const tab of tabs) {
      const n = TABS[tab].state ? byState[TABS[tab].state] : null;
      badges[tab].textContent = n ? String(n) : "";
      badges[tab].hidden = !n;
    }
  }
  const recount = debounce(counts, 800);
  const unsubscribe = onOrderEvent(recount);
  const list = orderList({
    id: `queue-${current}`, load: loaderFor(current),
    extra: current === "pending" ? topSuggestion : null, extraTitle: t("ui.top_suggestions"),
  });
  clear(root).append(h("h2", {}, t(`ui.menu.${route}`)), bar, list.el);
  counts();
  return () => { list.destroy(); unsubscribe(); recount.cancel(); };
}
