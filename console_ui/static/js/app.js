// The console shell: sign-in, a menu by role, hash routes, the live connection.
import { api, logout, session } from "./api.js";
import { clear, h } from "./dom.js";
import { initLocale, label, t } from "./i18n.js";
import { startLive, stopLive } from "./live.js";
import { mountLogin } from "./views/login.js";
import { mountHome } from "./views/home.js";
import { mountIntake } from "./views/intake.js";
import { mountWorkbench } from "./views/workbench.js";
import { mountInbox } from "./views/inbox.js";
import { mountDashboard } from "./views/dashboard.js";
import { mountOrders } from "./views/orders.js";
import { mountOrder } from "./views/order.js";
import { mountKnowledge } from "./views/knowledge.js";
import { mountModel } from "./views/model.js";
import { mountCalendar } from "./views/calendar.js";
import { showCalendarWarning } from "./components/calendarWarning.js";
import { menusFor } from "./menus.js";

const ROUTES = {
  home: mountHome, intake: mountIntake, workbench: mountWorkbench, callback: mountWorkbench,
  inbox: mountInbox, dashboard: mountDashboard, orders: mountOrders, order: mountOrder,
  knowledge: mountKnowledge, model: mountModel, calendar: mountCalendar,
};

const root = document.getElementById("app");
let cleanup = null;

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name = "", ...rest] = path.split("/").filter(Boolean);
  return { name, args: rest, query: new URLSearchParams(query) };
}

export function go(path) {
  location.hash = `#/${path}`;
}

function header(me) {
  const live = h("span", { class: "live", id: "live-indicator", title: t("ui.updated_live") });
  const setLive = () => {
    const on = document.body.dataset.live === "on";
    live.textContent = on ? t("ui.live_on") : t("ui.live_off");
    live.classList.toggle("on", on);
  };
  window.addEventListener("live-status", setLive);
  setLive();
  return h("header", { class: "topbar" },
    h("a", { class: "brand", href: "#/home" }, t("app.title")),
    h("div", { class: "who" },
      h("span", { class: "who-name", id: "who-name" }, me.user.full_name || me.user.username),
      h("span", { class: "badge" }, label("role", me.user.role)),
      h("span", { class: "who-unit" }, me.unit.name),
      live,
      h("button", { class: "link", id: "logout", onClick: async () => {
        stopLive();
        await logout();
        go("login");
      } }, t("ui.logout"))));
}

function nav(me, current) {
  return h("nav", { class: "menu", "aria-label": "menu" },
    h("a", { href: "#/home", class: current === "home" ? "active" : "" }, t("ui.home")),
    menusFor(me).map((key) =>
      h("a", { href: `#/${key}`, class: current === key ? "active" : "", dataset: { menu: key } },
        t(`ui.menu.${key}`))));
}

async function ensureMe() {
  if (!session.token) return null;
  if (!session.me) {
    try {
      session.me = await api("/auth/me");
    } catch {
      session.token = null;
      return null;
    }
  }
  return session.me;
}

async function route() {
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  const { name, args, query } = parseHash();
  if (name === "login" || !session.token) {
    stopLive();
    clear(root);
    cleanup = mountLogin(root, { onDone: () => go("home") });
    return;
  }
  const me = await ensureMe();
  if (!me) { go("login"); return; }
  const mount = ROUTES[name];
  if (!mount) { go("home"); return; }
  startLive();
  const main = h("main", { class: `view view-${name}`, id: "view" });
  const notices = h("div", { class: "notices" });   // outside the view, which may redraw itself
  clear(root).append(header(me), nav(me, name), notices, main);
  showCalendarWarning(me, notices);
  document.title = `${t(`ui.menu.${name}`) === `ui.menu.${name}` ? t("app.title") : t(`ui.menu.${name}`)} · ${t("app.short")}`;
  try {
    cleanup = (await mount(main, { me, args, query, route: name })) || null;
  } catch (err) {
    console.error(err);
    main.append(h("p", { class: "error" }, t("ui.error", { message: err.message })));
  }
}

window.addEventListener("auth-expired", () => {
  session.me = null;
  stopLive();
  if (parseHash().name !== "login") go("login");
});
window.addEventListener("hashchange", route);

await initLocale();
if (!location.hash) location.hash = session.token ? "#/home" : "#/login";
route();
