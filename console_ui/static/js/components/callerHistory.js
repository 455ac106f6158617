// The caller's open and recent orders, looked up by phone number as the operator types it.
import { api } from "../api.js";
import { clear, debounce, h } from "../dom.js";
import { t } from "../i18n.js";
import { fmtTime } from "../time.js";
import { errorText } from "./errors.js";
import { orderHref, stateBadge } from "./format.js";

const OPEN_STATES = new Set(["received", "pending_dispatch", "dispatched", "handling", "return_requested",
  "suspended", "feedback_submitted", "site_check", "callback_pending", "verified"]);

function item(o) {
  const open = OPEN_STATES.has(o.state);
  const more = h("div", { class: "history-more", hidden: true },
    h("p", { class: "pre" }, o.content), o.public_reply ? h("p", { class: "pre muted" }, o.public_reply) : null,
    h("a", { href: orderHref(o) }, t("ui.view_order")));
  return h("div", { class: `history-item ${open ? "open" : ""}`, dataset: { orderId: o.id } },
    h("button", { type: "button", class: "link", onClick: () => { more.hidden = !more.hidden; } },
      h("strong", {}, o.number), " ", stateBadge(o.state), " ", h("small", { class: "muted" }, fmtTime(o.received_at))),
    h("div", { class: "history-title" }, o.title), more);
}

/** {el, lookup(number)}: lookup is debounced and ignores what is not yet a phone number. */
export function callerHistory() {
  const el = h("div", { class: "caller-history", id: "caller-history" },
    h("p", { class: "muted" }, t("ui.caller_history_hint")));
  const lookup = debounce(async (number) => {
    if (!/^[0-9+\-() ]{7,32}$/.test(number)) return;
    try {
      const rows = await api(`/orders/by-phone/${encodeURIComponent(number)}`);
      clear(el);
      if (!rows.length) { el.append(h("p", { class: "muted" }, t("ui.caller_history_none"))); return; }
      // open matters first: the caller is most likely chasing one of them
      const open = rows.filter((o) => OPEN_STATES.has(o.state));
      el.append(...[...open, ...rows.filter((o) => !OPEN_STATES.has(o.state))].map(item));
    } catch (err) {
      clear(el).append(h("p", { class: "error" }, errorText(err)));
    }
  }, 350);
  return { el, lookup };
}
