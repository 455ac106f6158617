// Small renderers shared by the screens: state, warning light, deadline, order number.
import { h } from "../dom.js";
import { label, t } from "../i18n.js";
import { fmtSpan, fmtTime } from "../time.js";

export function stateBadge(state) {
  return h("span", { class: `state state-${state}`, dataset: { state } }, label("state", state));
}

export function lightDot(light) {
  if (!light) return null;
  return h("span", { class: `light light-${light}`, title: label("light", light), dataset: { light } },
    label("light", light));
}

/** The deadline with its warning light and the time left (or overdue by). */
export function deadline(order, now = Date.now()) {
  if (!order.due_at) return h("span", { class: "muted" }, t("ui.no_deadline"));
  const left = new Date(order.due_at).getTime() - now;
  const open = ["dispatched", "handling", "return_requested", "suspended"].includes(order.state);
  return h("span", { class: "deadline" }, lightDot(order.light),
    h("span", { class: "due" }, fmtTime(order.due_at)),
    open ? h("small", { class: left < 0 ? "overdue" : "muted" },
      left < 0 ? t("ui.overdue_by", { t: fmtSpan(left) }) : t("ui.remaining", { t: fmtSpan(left) })) : null);
}

export function orderHref(order) {
  return `#/order/${encodeURIComponent(order.id ?? order.order_id)}`;
}

export function urgencyTag(urgency) {
  if (!urgency || urgency === "normal") return null;
  return h("span", { class: `tag urgency-${urgency}` }, label("urgency", urgency));
}
