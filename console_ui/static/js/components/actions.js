// The actions the signed-in user may take now (order.allowed_actions), each with its form.
import { api } from "../api.js";
import { clear, debounce, field, h, select, toast } from "../dom.js";
import { label, t } from "../i18n.js";
import { photoUploader } from "./attachments.js";
import { errorText } from "./errors.js";
import { unitChoice, unitPicker } from "./unitPicker.js";
import { readItem } from "./suggest.js";

// reason: "!" required, "?" optional; the other keys name the extra inputs each action needs
const SPECS = {
  dispatch: { reason: "?", unit: "search", category: true },
  add_cohandler: { reason: "?", unit: "search" },
  transfer_platform: { reason: "?", unit: "platforms" },
  transfer_city: { reason: "!", unit: "cities" },
  pass_down: { reason: "?", unit: "children" },
  direct_close: { reason: "!" },
  refuse: { reason: "!" },
  hand_over: { reason: "!", service: true },
  merge: { reason: "?", master: true },
  sign_for: {},
  return_order: { reason: "!", reasonCode: true },
  approve_return: { reason: "?" },
  reject_return: { reason: "!" },
  request_extension: { reason: "!", days: true },
  approve_extension: { reason: "?", days: "optional" },
  reject_extension: { reason: "!" },
  request_suspension: { reason: "!" },
  approve_suspension: { reason: "?" },
  reject_suspension: { reason: "!" },
  resume: { reason: "?" },
  feedback: { reason: "!", flags: { contacted: true, solved: true }, publicReply: true, photos: true },
  cohandler_feedback: { reason: "!", photos: true },
  audit_pass: { reason: "?" },
  audit_fail: { reason: "!" },
  site_check_pass: { reason: "?", photos: true },
  site_check_fail: { reason: "!", photos: true },
  callback: { reason: "?", flags: { reached: true, contacted: true, solved: true, satisfied: true, rehandle: false } },
  close: { reason: "?" },
};
const NEGATIVE = new Set(["refuse", "return_order", "reject_return", "reject_extension",
  "reject_suspension", "audit_fail", "site_check_fail", "hand_over"]);
const REASON_LABEL = { feedback: "ui.feedback_reason", callback: "ui.callback_note" };
const RETURN_REASONS = ["wrong_unit", "outside_area", "unclear", "other"];

// The category the dispatcher confirms or corrects (learned from when it differs from the model's).
function categoryInput(order) {
  const proposed = (order.suggestions || []).map(readItem).map((s) => s.name).filter(Boolean);
  const current = order.category || order.category_hint || proposed[0] || "";
  const box = select({ name: "category" }, [[current, current || t("ui.category_unknown")]], current);
  api("/classifier/categories").then((cats) => {
    const all = [...new Set([current, ...proposed, ...cats].filter(Boolean))].map((c) => [c, c]);
    const options = current ? all : [["", t("ui.category_unknown")], ...all];
    const chosen = box.value;
    box.replaceChildren(...select({}, options, current).children);
    box.value = chosen;   // what the dispatcher picked while the list loaded, else the current one
  }).catch(() => { /* the current category stays the only choice */ });
  return { el: box, value: () => box.value || null, set: (c) => { if (c) box.value = c; } };
}

function unitInput(kind, order, me, onPick = () => {}) {
  if (kind === "search") {
    const picker = unitPicker({ under: order.platform_id, accept: (u) => u.kind !== "platform", name: "target" });
    const picks = (order.suggestions || []).map(readItem).filter((s) => s.unitId);
    const quick = picks.length ? h("div", { class: "quick-picks" }, h("span", { class: "muted" }, t("ui.top_suggestions")),
      picks.slice(0, 3).map((s) => h("button", { type: "button", class: "chip-button", dataset: { unitId: s.unitId },
        onClick: () => { picker.set({ id: s.unitId, name: s.unitName || s.unitId, level: "", kind: "" }); onPick(s); } },
      s.unitName || s.unitId))) : null;
    return { el: h("div", {}, quick, picker.el), value: () => picker.value };
  }
  const holder = h("div", { class: "muted" }, t("ui.loading"));
  let choice = null;
  const parent = kind === "platforms" ? order.platform_id : me.unit.id;
  const listed = kind === "cities" ? otherCities(order)
    : api(`/units/${encodeURIComponent(parent)}/children`).then((units) =>
      units.filter((u) => (kind === "platforms" ? u.kind === "platform" : u.kind !== "platform")));
  listed.then((wanted) => {
    choice = unitChoice(wanted, { name: "target" });
    holder.replaceWith(choice.el);
  }).catch((err) => { holder.textContent = errorText(err); });
  return { el: holder, value: () => (choice ? choice.value : null) };
}

// The province's other cities (the root's children but the order's own city): a hand-over target.
async function otherCities(order) {
  const platform = await api(`/units/${encodeURIComponent(order.platform_id)}`);
  const root = platform.path.split("/")[1];
  const units = await api(`/units/${encodeURIComponent(root)}/children`);
  return units.filter((u) => u.level === "city" && !platform.path.startsWith(u.path));
}

function masterInput(order) {
  const input = h("input", { type: "search", name: "master", placeholder: t("ui.master_order_ph") });
  const list = h("ul", { class: "unit-results" });
  const chosen = h("div", { class: "unit-chosen muted" });
  let value = null;
  input.addEventListener("input", debounce(async () => {
    clear(list);
    const q = input.value.trim();
    if (!q) return;
    const page = await api("/orders", { params: { q, limit: 10 } });
    for (const o of page.items.filter((x) => x.id !== order.id)) {
      list.append(h("li", { role: "option", dataset: { orderId: o.id }, onClick: () => {
        value = o.id;
        clear(list);
        chosen.textContent = `✔ ${o.number} ${o.title}`;
      } }, `${o.number} · ${label("state", o.state)} · ${o.title}`));
    }
  }, 300));
  return { el: h("div", { class: "unit-picker" }, input, list, chosen), value: () => value };
}

function checkbox(name, checked) {
  const box = h("input", { type: "checkbox", name, checked });
  return { el: h("label", { class: "check" }, box, t(`ui.${name}`)), value: () => box.checked };
}

function buildForm(action, order, me, onDone) {
  const spec = SPECS[action] || { reason: "?" };
  const parts = {};
  const rows = [];
  if (spec.category) parts.category = categoryInput(order);
  if (spec.unit) {
    parts.unit = unitInput(spec.unit, order, me, (s) => parts.category?.set(s.name));
    rows.push(field(spec.unit === "children" ? t("ui.children_units")
      : spec.unit === "platforms" ? t("ui.county_platform")
        : spec.unit === "cities" ? t("ui.other_city") : t("ui.target_unit"), parts.unit.el));
  }
  if (parts.category) rows.push(field(t("ui.category_confirm"), parts.category.el, t("ui.category_confirm_hint")));
  if (spec.reasonCode) {
    const code = select({ name: "reason_code" }, [["", t("ui.return_reason_pick")],
      ...RETURN_REASONS.map((c) => [c, label("return_reason", c)])], "");
    parts.reasonCode = { value: () => code.value || null };
    rows.push(field(t("ui.return_reason"), code));
  }
  if (spec.service) {
    const s = select({ name: "service" }, ["110", "119", "120"].map((c) => [c, label("service", c)]), order.emergency || "110");
    parts.service = { value: () => s.value };
    rows.push(field(t("ui.service"), s));
  }
  if (spec.master) {
    parts.master = masterInput(order);
    rows.push(field(t("ui.master_order"), parts.master.el));
  }
  if (spec.days) {
    const days = h("input", { type: "number", name: "extension_days", min: 1, max: 10,
      value: spec.days === "optional" ? "" : "5" });
    parts.days = { value: () => (days.value ? Number(days.value) : null) };
    rows.push(field(t("ui.extension_days"), days));
  }
  if (spec.flags) {
    parts.flags = Object.entries(spec.flags).map(([name, on]) => [name, checkbox(name, on)]);
    rows.push(h("div", { class: "checks" }, parts.flags.map(([, c]) => c.el)));
  }
  const reason = h("textarea", { name: "reason", rows: 3, required: spec.reason === "!" });
  if (spec.reason) rows.push(field(t(REASON_LABEL[action] || "ui.reason"), reason));
  if (spec.publicReply) {
    const reply = h("textarea", { name: "public_reply", rows: 2 });
    parts.reply = { value: () => reply.value.trim() || null };
    rows.push(field(t("ui.public_reply"), reply));
  }
  if (spec.photos) {
    parts.photos = photoUploader();
    rows.push(field(t("ui.photos"), parts.photos.el));
  }
  const msg = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit", class: NEGATIVE.has(action) ? "danger" : "primary",
    id: `submit-${action}` }, `${t("ui.submit")} · ${label("action", action)}`);
  const form = h("form", { class: "action-form", dataset: { action }, onSubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = "";
    const body = {};
    if (reason.value.trim()) body.reason = reason.value.trim();
    if (spec.reason === "!" && !body.reason) { msg.textContent = t("ui.reason_required"); return; }
    if (parts.unit) {
      const unit = parts.unit.value();
      if (!unit) { msg.textContent = t("ui.pick_unit"); return; }
      body.target_unit_id = unit.id;
    }
    if (parts.category?.value()) body.category = parts.category.value();
    if (parts.reasonCode) {
      if (!parts.reasonCode.value()) { msg.textContent = t("ui.required", { field: t("ui.return_reason") }); return; }
      body.reason_code = parts.reasonCode.value();
    }
    if (parts.service) body.service = parts.service.value();
    if (parts.master) {
      if (!parts.master.value()) { msg.textContent = t("ui.required", { field: t("ui.master_order") }); return; }
      body.master_id = parts.master.value();
    }
    if (parts.days && parts.days.value()) body.extension_days = parts.days.value();
    for (const [name, c] of parts.flags || []) body[name] = c.value();
    if (parts.reply && parts.reply.value()) body.public_reply = parts.reply.value();
    if (parts.photos) {
      if (parts.photos.busy()) { msg.textContent = t("ui.uploading"); return; }
      body.attachment_ids = parts.photos.ids();
    }
    submit.disabled = true;
    try {
      const result = await api(`/orders/${order.id}/actions/${action}`, { method: "POST", json: body });
      toast(`${label("action", action)} · ${t("ui.done_ok")}`);
      onDone(result);
    } catch (err) {
      msg.textContent = errorText(err);
    } finally {
      submit.disabled = false;
    }
  } },
  h("h4", {}, label("action", action)), rows, msg,
  h("div", { class: "form-buttons" }, submit,
    h("button", { type: "button", class: "link", onClick: () => form.remove() }, t("ui.cancel"))));
  return form;
}

/** Buttons for order.allowed_actions; a click opens that action's form below them. */
export function actionPanel(order, me, onDone) {
  const area = h("div", { class: "action-area" });
  const actions = order.allowed_actions || [];
  if (!actions.length) return h("div", { class: "actions" }, h("p", { class: "muted", id: "no-actions" }, t("ui.no_actions")));
  const buttons = actions.map((a) => h("button", { type: "button", id: `act-${a}`, dataset: { action: a },
    class: NEGATIVE.has(a) ? "secondary danger-outline" : "secondary",
    onClick: () => {
      clear(area).append(buildForm(a, order, me, onDone));
      area.querySelector("input:not([type=checkbox]):not([type=file]), textarea, select")?.focus();
    } }, label("action", a)));
  return h("div", { class: "actions" }, h("div", { class: "action-buttons" }, buttons), area);
}
