// One order: who has it now and the SLA clock, what was asked, every hop and the whole timeline.
import { api } from "../api.js";
import { clear, h, toast } from "../dom.js";
import { label, t, yesNo } from "../i18n.js";
import { onOrderEvent } from "../live.js";
import { fmtSpan, fmtTime } from "../time.js";
import { actionPanel } from "../components/actions.js";
import { duplicateList } from "../components/duplicates.js";
import { gallery } from "../components/attachments.js";
import { errorText } from "../components/errors.js";
import { lightDot, stateBadge, urgencyTag } from "../components/format.js";
import { pct, readItem } from "../components/suggest.js";

const OPEN = ["dispatched", "handling", "return_requested", "suspended"];

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function slaClock(order) {
  const remaining = h("strong", { class: "sla-remaining", id: "sla-remaining" });
  const tick = () => {
    if (order.closed_at) { remaining.textContent = label("state", order.state); return; }
    if (!order.due_at) { remaining.textContent = t("ui.no_deadline"); return; }
    if (order.state === "suspended") { remaining.textContent = t("ui.paused"); return; }
    if (!OPEN.includes(order.state)) { remaining.textContent = ""; return; }
    const left = new Date(order.due_at).getTime() - Date.now();
    remaining.textContent = left < 0 ? t("ui.overdue_by", { t: fmtSpan(left) }) : t("ui.remaining", { t: fmtSpan(left) });
    remaining.className = `sla-remaining ${left < 0 ? "overdue" : ""}`;
  };
  tick();
  const timer = setInterval(tick, 1000);
  const el = h("section", { class: `panel sla light-bg-${order.light || "none"}`, id: "sla-clock" },
    h("h3", {}, t("ui.sla_clock")),
    h("div", { class: "sla-row" }, lightDot(order.light), remaining),
    dl([[t("ui.due_at"), fmtTime(order.due_at)], [t("ui.holder"), order.current_unit_name || "—"],
      [t("ui.closed_at"), fmtTime(order.closed_at)]]));
  return { el, stop: () => clearInterval(timer) };
}

function hopRow(hop, i) {
  const fb = hop.feedback || {};
  return h("tr", { dataset: { hopNo: hop.hop_no, unitId: hop.to_unit_id } },
    h("td", { dataset: { label: t("ui.hop") } }, `${i + 1} ${label("hop_role", hop.role)}`),
    h("td", { dataset: { label: t("ui.current_unit") } }, hop.to_unit_name || hop.to_unit_id),
    h("td", { dataset: { label: t("ui.state") } }, label("hop_status", hop.status), " ", lightDot(hop.light)),
    h("td", { dataset: { label: t("ui.hop_deadline") } }, fmtTime(hop.deadline)),
    h("td", { dataset: { label: t("ui.signed_at") } }, fmtTime(hop.signed_at)),
    h("td", { dataset: { label: t("ui.feedback_text") } },
      hop.pending_extension ? h("div", { class: "pending" }, t("ui.pending_extension",
        { days: hop.pending_extension.days, reason: hop.pending_extension.reason || "" })) : null,
      hop.pending_suspension ? h("div", { class: "pending" }, t("ui.pending_suspension",
        { reason: hop.pending_suspension.reason || "" })) : null,
      fb.text ? h("div", { class: "feedback" }, h("p", { class: "pre" }, fb.text),
        h("small", { class: "muted" }, `${t("ui.contacted")}：${yesNo(fb.contacted)} · ${t("ui.solved")}：${yesNo(fb.solved)}`),
        gallery(fb.attachment_ids)) : null));
}

function entryDetails(e) {
  const d = e.data || {};
  const bits = [];
  if (d.to_unit) bits.push(`→ ${d.to_unit.name}`);
  if (d.service) bits.push(label("service", d.service));
  if (d.days || d.extension_days) bits.push(`${d.days || d.extension_days}${t("ui.days")}`);
  if (d.master_id) bits.push(`${t("ui.master_order")} #${d.master_id}`);
  if (e.action === "callback") {
    bits.push(["reached", "contacted", "solved", "satisfied"].map((k) => `${t(`ui.${k}`)}:${yesNo(d[k])}`).join(" "));
    if (d.rehandle) bits.push(t("ui.rehandle"));
  }
  if (e.action === "rate") bits.push(label("rating", d.rating));
  if (d.on_time === false) bits.push(label("light", "red"));
  return bits.join(" · ");
}

function timelineItem(e) {
  return h("li", { class: `tl tl-${e.action}`, dataset: { action: e.action } },
    h("div", { class: "tl-head" },
      h("time", {}, fmtTime(e.at, { seconds: true })),
      h("strong", {}, label("action", e.action)),
      h("span", { class: "muted" }, t("ui.by", { name: e.actor_name, role: label("role", e.actor_role) })),
      e.to_state ? h("span", { class: "muted" }, e.from_state
        ? t("ui.from_to", { from: label("state", e.from_state), to: label("state", e.to_state) })
        : label("state", e.to_state)) : null),
    entryDetails(e) ? h("div", { class: "tl-data" }, entryDetails(e)) : null,
    e.reason ? h("p", { class: "pre tl-reason" }, e.reason) : null,
    gallery(e.attachment_ids));
}

function summary(o) {
  const cb = o.callback || {};
  return h("section", { class: "panel" }, h("h3", {}, t("ui.basic")),
    dl([
      [t("ui.channel"), label("channel", o.channel)],
      [t("ui.request_type"), label("request_type", o.request_type)],
      [t("ui.urgency"), label("urgency", o.urgency)],
      [t("ui.category"), o.category || o.category_hint],
      [t("ui.emergency"), o.emergency ? label("service", o.emergency) : null],
      [t("ui.received_at"), fmtTime(o.received_at)],
      [t("ui.caller_name"), o.citizen_name],
      [t("ui.caller_phone"), o.citizen_phone],
      [t("ui.confidential"), o.confidential ? t("yes") : null],
      [t("ui.address"), o.address],
      [t("ui.close_kind"), o.close_kind ? label("close_kind", o.close_kind) : null],
      [t("ui.public_reply"), o.public_reply],
      [t("ui.callback_result"), cb.at ? ["reached", "contacted", "solved", "satisfied"]
        .map((k) => `${t(`ui.${k}`)}:${yesNo(cb[k])}`).join(" ") : null],
      [t("ui.citizen_rating"), cb.citizen ? label("rating", cb.citizen.rating) : null],
    ]),
    h("h4", {}, t("ui.content")), h("p", { class: "pre content", id: "order-content" }, o.content));
}

function suggestionsPanel(o) {
  const items = o.suggestions || [];
  if (!items.length) return null;
  return h("section", { class: "panel" }, h("h3", {}, t("ui.suggestions_title")),
    h("ol", { class: "suggestions" }, items.slice(0, 3).map(readItem).map((s) => h("li", {},
      `${s.name ?? ""}${pct(s.score)}${s.unitName ? ` → ${s.unitName}` : ""}`))));
}

/** 并单: candidates with a one-click merge for whoever may merge; the reports merged into it. */
function duplicatesPanel(o, dup, onMerge) {
  if (!dup) return null;
  const canMerge = (o.allowed_actions || []).includes("merge");
  const parts = [];
  if (canMerge) {
    parts.push(h("h3", {}, t("ui.dup_title")), dup.candidates.length
      ? duplicateList(dup.candidates, { id: "duplicate-candidates", onMerge })
      : h("p", { class: "muted", id: "duplicates-none" }, t("ui.dup_none")));
  }
  if (dup.merged.length) {
    parts.push(h("h3", {}, t("ui.dup_merged_title")), duplicateList(dup.merged, { id: "merged-reports" }));
  }
  return parts.length ? h("section", { class: "panel", id: "order-duplicates" }, parts) : null;
}

export async function mountOrder(root, { me, args }) {
  const id = Number(args[0]);
  let clock = null;
  let seq = 0;
  const back = h("a", { href: "#/home", class: "link back",
    onClick: (ev) => { if (history.length > 1) { ev.preventDefault(); history.back(); } } }, `← ${t("ui.back")}`);

  async function render() {
    const mine = ++seq;
    let o;
    let dup = null;
    try {
      // units handling an order neither merge nor need the merged reports: no search for them
      const dupWanted = me.user.role !== "handler";
      [o, dup] = await Promise.all([api(`/orders/${id}`),
        dupWanted ? api(`/orders/${id}/duplicates`).catch(() => null) : null]);
    } catch (err) {
      clear(root).append(back, h("p", { class: "error" }, errorText(err)));
      return;
    }
    if (mine !== seq) return;
    if (clock) clock.stop();
    clock = slaClock(o);
    clear(root).append(
      back,
      h("div", { class: "order-head", dataset: { state: o.state, orderId: o.id } },
        h("h2", {}, h("span", { class: "order-number", id: "order-number" }, o.number), " ", stateBadge(o.state), " ",
          urgencyTag(o.urgency)),
        h("p", { class: "order-title" }, o.title)),
      h("div", { class: "detail-grid" },
        h("div", { class: "detail-main" },
          h("section", { class: "panel", id: "order-actions" }, h("h3", {}, t("ui.actions")),
            actionPanel(o, me, () => render())),
          summary(o),
          h("section", { class: "panel" }, h("h3", {}, t("ui.hops")),
            o.hops.length ? h("table", { class: "hops" }, h("thead", {}, h("tr", {},
              [t("ui.hop"), t("ui.current_unit"), t("ui.state"), t("ui.hop_deadline"), t("ui.signed_at"), t("ui.feedback_text")]
                .map((c) => h("th", {}, c)))), h("tbody", {}, o.hops.map(hopRow))) : h("p", { class: "muted" }, t("ui.empty"))),
          h("section", { class: "panel" }, h("h3", {}, t("ui.timeline")),
            h("ol", { class: "timeline", id: "timeline" }, o.timeline.map(timelineItem)))),
        h("aside", { class: "detail-side" }, clock.el, duplicatesPanel(o, dup, merge), suggestionsPanel(o))));
  }

  async function merge(master) {
    try {
      await api(`/orders/${id}/actions/merge`, { method: "POST",
        json: { master_id: master.order_id, reason: t("ui.dup_merge_reason", { number: master.number }) } });
      toast(t("ui.dup_merged_ok", { number: master.number }));
    } catch (err) {
      toast(errorText(err), "error");
    }
    render();
  }

  await render();
  // someone else moved the order: re-render, unless this user is filling in a form
  const unsubscribe = onOrderEvent((ev) => {
    if (ev.order_id !== id) return;
    if (!root.querySelector(".action-form")) { render(); return; }
    if (!root.querySelector("#order-changed")) {
      root.prepend(h("button", { class: "banner", id: "order-changed", onClick: () => render() },
        t("ui.order_changed")));
    }
  });
  return () => { unsubscribe(); if (clock) clock.stop(); };
}
