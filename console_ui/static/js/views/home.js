// A landing page with the role's menu as cards, and the counts that matter to it.
import { api } from "../api.js";
import { h } from "../dom.js";
import { label, t } from "../i18n.js";
import { menusFor } from "../menus.js";

export async function mountHome(root, { me }) {
  const cards = menusFor(me).map((key) =>
    h("a", { class: "card menu-card", href: `#/${key}`, dataset: { menu: key } },
      h("h3", {}, t(`ui.menu.${key}`)), h("p", {}, t(`ui.menu_desc.${key}`))));
  root.append(
    h("h2", {}, t("ui.welcome", { name: me.user.full_name || me.user.username })),
    h("p", { class: "muted" }, `${t("ui.role")}：${label("role", me.user.role)} · ${t("ui.unit")}：${me.unit.name}`),
    h("div", { class: "cards" }, cards));
  if (me.user.role !== "handler") {
    try {
      const counts = await api("/orders/stats/by-state");
      const chips = Object.entries(counts).sort((a, b) => b[1] - a[1])
        .map(([state, n]) => h("span", { class: `chip state-${state}` }, `${label("state", state)} ${n}`));
      root.append(h("section", { class: "panel" }, h("h3", {}, t("ui.by_state")), h("div", { class: "chips" }, chips)));
    } catch { /* counts are a nicety */ }
  }
}
