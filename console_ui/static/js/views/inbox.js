// 承办人 (department / township / village): my open orders, live; decisions my unit owes below.
import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { orderList } from "../components/orderList.js";

export async function mountInbox(root, { me, query }) {
  const tab = query.get("tab") === "approvals" ? "approvals" : "inbox";
  const list = orderList({
    id: tab === "inbox" ? "inbox" : "approvals",
    load: tab === "inbox"
      ? (page) => api("/orders", { params: { inbox: true, ...page } })
      : (page) => api("/console/approvals", { params: { kind: "any", ...page } }),
    // passed down: the order is still mine (delegated) but the level below holds it now
    extra: (o) => (o.current_unit_path && o.current_unit_path !== me.unit.path
      ? h("span", { class: "tag delegated" }, t("ui.delegated")) : null),
    extraTitle: t("ui.holder"),
  });
  root.append(h("h2", {}, t("ui.menu.inbox"), h("small", { class: "muted" }, ` · ${me.unit.name}`)),
    h("div", { class: "tabs", role: "tablist" },
      h("a", { href: "#/inbox", class: tab === "inbox" ? "active" : "", dataset: { tab: "inbox" } }, t("ui.tab_inbox")),
      h("a", { href: "#/inbox?tab=approvals", class: tab === "approvals" ? "active" : "", dataset: { tab: "approvals" } },
        t("ui.tab_approvals"))),
    list.el);
  return () => list.destroy();
}
