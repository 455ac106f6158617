// What the classifier proposes for the call being logged; each proposal is a button that adopts it.
import { clear, h } from "../dom.js";
import { label, t } from "../i18n.js";
import { orderHref } from "./format.js";
import { pct } from "./suggest.js";

const row = (term, ...value) => [h("dt", {}, term), h("dd", {}, ...value)];

/** Fill `box` with suggestion `s` (from readSuggestion); `adopt` has one callback per field. */
export function renderSuggestion(box, s, adopt) {
  clear(box);
  if (!s) { box.append(h("p", { class: "muted" }, t("ui.suggestions_none"))); return; }
  const chip = (text, fn) => h("button", { type: "button", class: "chip-button", onClick: fn }, text);
  box.append(h("dl", { class: "facts" },
    s.category ? row(t("ui.category"), chip(`${s.category}${pct(s.categoryScore)}`, () => adopt.category(s.category))) : null,
    s.top.length > 1 ? row(t("ui.top_categories"), s.top.map((c) => chip(`${c.name}${pct(c.score)}`, () => adopt.category(c.name)))) : null,
    s.requestType ? row(t("ui.request_type"), chip(label("request_type", s.requestType), () => adopt.requestType(s.requestType))) : null,
    s.urgency ? row(t("ui.urgency"), chip(label("urgency", s.urgency), () => adopt.urgency(s.urgency))) : null,
    s.emergency ? row(t("ui.emergency"), h("span", { class: "error" }, label("service", s.emergency))) : null,
    s.place ? row(t("ui.place"), chip(s.place.name || s.place.code, () => adopt.place(s.place))) : null,
    s.unit ? row(t("ui.responsible_unit"), s.unit.name) : null));
  if (s.duplicates.length) {
    box.append(h("h4", {}, t("ui.duplicates")), h("ul", { class: "duplicates" }, s.duplicates.map((d) =>
      h("li", {}, h("a", { href: orderHref(d) }, d.number || `#${d.id}`), ` ${d.title}${pct(d.score)}`))));
  }
}
