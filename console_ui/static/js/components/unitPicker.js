// Choosing an org unit: search by name (optionally below a unit), or from a fixed list.
import { api } from "../api.js";
import { append, clear, debounce, h, select } from "../dom.js";
import { label, t } from "../i18n.js";

function unitLine(u) {
  const kind = [label("level", u.level), label("kind", u.kind)].filter(Boolean).join(" · ");
  return [u.name, kind ? h("small", { class: "muted" }, ` ${kind}`) : null];
}

/** A search box over /units; picker.value is the chosen unit (or null). */
export function unitPicker({ under, accept = () => true, placeholder = t("ui.target_unit_ph"),
                             onPick = () => {}, name = "unit" } = {}) {
  const input = h("input", { type: "search", placeholder, autocomplete: "off", name,
    class: "unit-search", "aria-label": placeholder });
  const list = h("ul", { class: "unit-results", role: "listbox" });
  const chosen = h("div", { class: "unit-chosen muted" });
  const picker = { value: null, el: null, set };

  function set(unit) {
    picker.value = unit;
    clear(chosen);
    if (unit) append(chosen, "✔ ", unitLine(unit));
    if (unit) input.value = unit.name;
    chosen.classList.toggle("muted", !unit);
    onPick(unit);
  }

  const search = debounce(async () => {
    const q = input.value.trim();
    clear(list);
    if (!q) return;
    try {
      const units = (await api("/units", { params: { q, under, limit: 30 } })).filter(accept);
      if (!units.length) list.append(h("li", { class: "muted" }, t("ui.empty")));
      for (const u of units) {
        list.append(h("li", { role: "option", tabindex: "0", dataset: { unitId: u.id },
          onClick: () => { set(u); clear(list); },
          onKeydown: (ev) => { if (ev.key === "Enter") { ev.preventDefault(); ev.target.click(); } } },
        ...unitLine(u)));
      }
    } catch (err) {
      list.append(h("li", { class: "error" }, t("ui.error", { message: err.message })));
    }
  }, 250);
  input.addEventListener("input", search);
  picker.el = h("div", { class: "unit-picker" }, input, list, chosen);
  return picker;
}

/** A select over a known list of units (children of my unit, county platforms). */
export function unitChoice(units, { name = "unit", onPick = () => {} } = {}) {
  const byId = new Map(units.map((u) => [u.id, u]));
  const el = select({ name, class: "unit-select", onChange: () => onPick(byId.get(el.value) || null) },
    [["", t("ui.pick_unit")], ...units.map((u) => [u.id, u.name])]);
  return { el, get value() { return byId.get(el.value) || null; } };
}
