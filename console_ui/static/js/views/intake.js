// 话务员: log a call in under a minute — caller history by phone, classifier suggestions and
// knowledge-base answers as the content is typed, emergency hand-over, the number to read back.
import { api, ApiError, newCallId } from "../api.js";
import { clear, debounce, field, h, select, toast } from "../dom.js";
import { label, t } from "../i18n.js";
import { errorText } from "../components/errors.js";
import { callerHistory } from "../components/callerHistory.js";
import { duplicateList } from "../components/duplicates.js";
import { orderHref } from "../components/format.js";
import { kbAnswers } from "../components/kbAnswers.js";
import { renderSuggestion } from "../components/suggestionPanel.js";
import { unitPicker } from "../components/unitPicker.js";
import { readSuggestion } from "../components/suggest.js";

const REQUEST_TYPES = ["consultation", "help", "complaint", "report", "suggestion", "praise", "other"];
const URGENCIES = ["normal", "urgent", "extra_urgent"];
let classifier = "unknown";   // unknown | on | missing (404: the endpoint has not landed)

/** "GD 2025 1127 0000 123": letters apart, digits in fours, easier to read out on the phone. */
function readBack(number) {
  const [, prefix, digits] = /^(\D*)(.*)$/.exec(String(number));
  return [prefix, ...(digits.match(/.{1,4}/g) || [])].filter(Boolean).join(" ");
}

export function mountIntake(root) {
  let callId = newCallId();
  let suggestion = null;
  let categoryHint = null;

  const phone = h("input", { name: "citizen_phone", inputmode: "tel", autocomplete: "off", id: "f-phone", maxlength: 32 });
  const name = h("input", { name: "citizen_name", id: "f-name", maxlength: 64 });
  const confidential = h("input", { type: "checkbox", name: "confidential", id: "f-confidential" });
  const address = h("input", { name: "address", id: "f-address", maxlength: 300 });
  const place = unitPicker({ placeholder: t("ui.place_ph"), accept: (u) => u.kind === "territorial" || u.kind === "platform",
    name: "division" });
  const title = h("input", { name: "title", id: "f-title", maxlength: 200, placeholder: t("ui.title_ph") });
  const content = h("textarea", { name: "content", id: "f-content", rows: 6, maxlength: 5000, placeholder: t("ui.content_ph") });
  const rtype = select({ name: "request_type", id: "f-request-type" }, [["", t("ui.auto")], ...REQUEST_TYPES.map((c) => [c, label("request_type", c)])]);
  const urgency = select({ name: "urgency", id: "f-urgency" }, [["", t("ui.auto")], ...URGENCIES.map((c) => [c, label("urgency", c)])]);
  const category = h("span", { class: "muted", id: "f-category" }, t("ui.auto"));
  const msg = h("p", { class: "error", role: "alert" });

  const history = callerHistory();
  const sugBox = h("div", { id: "suggestions" }, h("p", { class: "muted" }, t("ui.suggestions_none")));
  const emergencyBox = h("section", { class: "panel emergency", id: "emergency", hidden: true });
  const answer = h("textarea", { name: "direct_answer", id: "f-direct-answer", rows: 4 });
  const directBox = h("section", { class: "panel direct", id: "direct-answer", hidden: true },
    h("h3", {}, t("ui.direct_answer")), answer,
    h("button", { type: "button", class: "primary", id: "direct-close", onClick: () => submit({ direct: true }) },
      t("ui.direct_close_submit")));

  const kb = kbAnswers({ onUse: (entry) => {
    answer.value = entry.answer;
    rtype.value = "consultation";
    if (entry.category) setCategory(entry.category);
    directBox.hidden = false;
    answer.focus();
  } });

  function setCategory(value) {
    categoryHint = value || null;
    category.textContent = value || t("ui.auto");
    category.classList.toggle("muted", !value);
  }

  phone.addEventListener("input", () => history.lookup(phone.value.trim()));

  function showEmergency(service) {
    const flagged = urgency.value === "extra_urgent" || (suggestion && (suggestion.emergency || suggestion.urgency === "extra_urgent"));
    emergencyBox.hidden = !flagged;
    clear(emergencyBox);
    if (!flagged) return;
    emergencyBox.append(h("h3", {}, t("ui.emergency")), h("p", {}, t("ui.emergency_hint")),
      h("div", { class: "emergency-buttons" }, ["110", "119", "120"].map((s) => h("button", {
        type: "button", class: s === service ? "danger" : "danger-outline", id: `handover-${s}`,
        onClick: () => submit({ handOver: s }) }, t("ui.hand_over_to", { service: label("service", s) })))));
  }
  urgency.addEventListener("change", () => showEmergency(suggestion?.emergency));

  const adopt = {
    category: setCategory,
    requestType: (code) => { rtype.value = code; },
    urgency: (code) => { urgency.value = code; showEmergency(suggestion?.emergency); },
    place: (p) => { if (p.code) place.set({ id: p.code, name: p.name || p.code, level: "", kind: "" }); },
  };

  async function classify(text) {
    if (classifier === "missing") return;
    try {
      suggestion = readSuggestion(await api("/classify", { method: "POST", json: { text } }));
      classifier = "on";
      renderSuggestion(sugBox, suggestion, adopt);
      showEmergency(suggestion?.emergency);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
        classifier = "missing";
        clear(sugBox).append(h("p", { class: "placeholder", id: "classifier-missing" }, t("ui.classifier_missing")));
      }
    }
  }

  const onContent = debounce(() => {
    const text = [title.value, content.value].join(" ").trim();
    if (text.length < 4) return;
    classify(text);
    kb.search(text);
  }, 600);
  content.addEventListener("input", onContent);
  title.addEventListener("input", onContent);

  function body(extra = {}) {
    return {
      channel: "12345", external_id: callId, title: title.value.trim(), content: content.value.trim(),
      citizen_name: name.value.trim() || null, citizen_phone: phone.value.trim() || null,
      confidential: confidential.checked, address: address.value.trim() || null,
      division_code: place.value?.id || null, request_type: rtype.value || null, urgency: urgency.value || null,
      category_hint: categoryHint, ...extra,
    };
  }

  async function submit({ direct = false, handOver = null } = {}) {
    msg.textContent = "";
    if (!content.value.trim()) { msg.textContent = t("ui.required", { field: t("ui.content") }); content.focus(); return; }
    if (phone.value.trim() && !/^[0-9+\-() ]{3,32}$/.test(phone.value.trim())) { msg.textContent = t("ui.phone_invalid"); return; }
    if (direct && !answer.value.trim()) { msg.textContent = t("ui.required", { field: t("ui.direct_answer") }); return; }
    const buttons = root.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const extra = direct ? { direct_answer: answer.value.trim(), request_type: rtype.value || "consultation" } : {};
      if (handOver) extra.urgency = "extra_urgent";
      const result = await api("/intake", { method: "POST", json: body(extra), params: { duplicates: !direct && !handOver } });
      let outcome = direct ? t("ui.intake_closed") : label("state", result.state);
      if (handOver) {
        await handOverOrder(result.order_id, handOver);
        outcome = t("ui.intake_handed_over", { service: label("service", handOver) });
      }
      done(result, outcome);
    } catch (err) {
      msg.textContent = errorText(err);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  async function handOverOrder(orderId, service) {
    const json = { service, reason: t("ui.hand_over_to", { service: label("service", service) }) };
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await api(`/orders/${orderId}/actions/hand_over`, { method: "POST", json });
      } catch (err) {
        // the routing job may move the new order at the same moment: try again on a fresh read
        if (!(err instanceof ApiError && err.code === "conflict") || attempt >= 3) throw err;
      }
    }
  }

  function done(result, outcome) {
    clear(root).append(h("section", { class: "panel done", id: "intake-done" },
      h("p", {}, t("ui.intake_done"), " · ", h("span", { id: "intake-outcome" }, outcome)),
      h("p", { class: "muted" }, t("ui.read_back")),
      h("div", { class: "big-number", id: "big-number", dataset: { orderId: result.order_id } }, result.number),
      h("div", { class: "read-back" }, readBack(result.number)),
      result.possible_duplicates?.length ? h("div", { class: "panel-inset", id: "intake-duplicates" },
        h("h3", {}, t("ui.dup_title")), duplicateList(result.possible_duplicates),
        h("p", { class: "muted" }, t("ui.dup_operator_hint"))) : null,
      h("div", { class: "form-buttons" },
        h("button", { class: "primary", id: "new-call", onClick: () => { clear(root); mountIntake(root); } }, t("ui.new_call")),
        h("a", { class: "button secondary", href: orderHref(result) }, t("ui.view_order")))));
    toast(t("ui.intake_done"));
    callId = newCallId();
  }

  const form = h("form", { class: "panel intake-form", id: "intake-form", onSubmit: (ev) => { ev.preventDefault(); submit(); } },
    h("h2", {}, t("ui.intake_title")),
    h("div", { class: "row2" }, field(t("ui.caller_phone"), phone), field(t("ui.caller_name"), name)),
    h("label", { class: "check" }, confidential, t("ui.confidential")),
    h("div", { class: "row2" }, field(t("ui.address"), address), field(t("ui.place"), place.el)),
    field(t("ui.title"), title), field(t("ui.content"), content),
    h("div", { class: "row3" }, field(t("ui.request_type"), rtype), field(t("ui.urgency"), urgency),
      field(t("ui.category"), h("div", {}, category, " ",
        h("button", { type: "button", class: "link", onClick: () => setCategory(null) }, t("ui.reset"))))),
    msg,
    h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "primary", id: "submit-intake" }, t("ui.submit_intake"))));

  root.append(h("div", { class: "intake-grid" }, form,
    h("div", { class: "intake-side" },
      emergencyBox,
      h("section", { class: "panel" }, h("h3", {}, t("ui.caller_history")), history.el),
      h("section", { class: "panel" }, h("h3", {}, t("ui.suggestions")), sugBox),
      h("section", { class: "panel" }, h("h3", {}, t("ui.kb")), kb.el),
      directBox)));
  phone.focus();
  return () => { history.lookup.cancel(); onContent.cancel(); };
}
