// 分类模型 (admin): the stored versions with their metrics, which one is in use, the labelled
// examples from dispatchers, retraining runs with their progress; retrain, promote, roll back.
import { api } from "../api.js";
import { clear, h, toast } from "../dom.js";
import { label, t } from "../i18n.js";
import { fmtTime } from "../time.js";
import { errorText } from "../components/errors.js";

const pct = (v) => (typeof v === "number" ? `${(v * 100).toFixed(1)}%` : "—");

function table(id, headers, rows) {
  return h("table", { class: "orders compact", id },
    h("thead", {}, h("tr", {}, headers.map((c) => h("th", {}, c)))), h("tbody", {}, rows));
}

async function act(path, confirmText, after) {
  if (confirmText && !window.confirm(confirmText)) return;
  try {
    await api(path, { method: "POST" });
    toast(t("ui.done_ok"));
  } catch (err) {
    toast(errorText(err), "error");
  }
  after();
}

export function mountModel(root) {
  const versions = h("div", { id: "model-versions" }, t("ui.loading"));
  const runs = h("div", { id: "model-runs" });
  const examples = h("div", { id: "model-examples" });
  let timer = null;

  function versionRow(v, load) {
    const val = v.validation || {};
    return h("tr", { dataset: { version: v.version }, class: v.current ? "current" : "" },
      h("td", {}, v.version, v.current ? h("span", { class: "badge", id: "model-current" }, ` ${t("ui.model_current")}`) : null),
      h("td", {}, fmtTime(v.trained_at)), h("td", {}, String(v.n_examples ?? "—")), h("td", {}, String(v.n_extra ?? 0)),
      h("td", {}, pct(val.accuracy)), h("td", {}, pct(val.macro_f1)),
      h("td", {}, v.current ? null : h("button", { type: "button", class: "secondary model-promote",
        onClick: () => act(`/classifier/versions/${encodeURIComponent(v.version)}/promote`,
          t("ui.model_promote_confirm", { version: v.version }), load) }, t("ui.model_promote"))));
  }

  function runRow(r) {
    const outcome = r.status !== "done" ? (r.error || "") : r.stage === "nothing_new" ? t("ui.model_nothing_new")
      : r.promoted ? t("ui.model_promoted") : t("ui.model_kept");
    return h("tr", { dataset: { runId: r.id, status: r.status } },
      h("td", {}, String(r.id)), h("td", {}, fmtTime(r.created_at)), h("td", {}, label("run_status", r.status)),
      h("td", {}, r.stage), h("td", {}, h("progress", { max: 100, value: r.progress }), ` ${r.progress}%`),
      h("td", {}, r.candidate_version || "—"), h("td", { class: "run-outcome" }, outcome));
  }

  async function load() {
    clearTimeout(timer);
    try {
      const [vs, rs, es] = await Promise.all([api("/classifier/versions"), api("/classifier/retrainings"),
        api("/classifier/examples", { params: { limit: 50 } })]);
      clear(versions).append(table("model-version-table", [t("ui.model_version"), t("ui.model_trained_at"),
        t("ui.model_examples"), t("ui.model_extra"), t("ui.model_accuracy"), t("ui.model_macro_f1"), ""],
      vs.map((v) => versionRow(v, load))));
      clear(runs).append(table("model-run-table", ["#", t("ui.model_trained_at"), t("ui.model_run_status"),
        t("ui.model_run_stage"), t("ui.model_run_progress"), t("ui.model_version"), t("ui.model_run_outcome")],
      rs.map(runRow)));
      clear(examples).append(es.length ? table("model-example-table", ["#", t("ui.category"),
        t("ui.model_example_source"), t("ui.model_example_used"), ""],
      es.map((e) => h("tr", { dataset: { exampleId: e.id } }, h("td", {}, String(e.id)), h("td", {}, e.label),
        h("td", {}, label("example_source", e.source)), h("td", {}, e.used_in_version || t("ui.model_not_yet")),
        h("td", { class: "pre" }, e.text)))) : h("p", { class: "muted" }, t("ui.empty")));
      if (rs.some((r) => r.status === "queued" || r.status === "running")) timer = setTimeout(load, 2000);
    } catch (err) {
      clear(versions).append(h("p", { class: "error" }, errorText(err)));
    }
  }

  root.append(h("h2", {}, t("ui.model_title")),
    h("div", { class: "form-buttons" },
      h("button", { type: "button", class: "primary", id: "model-retrain",
        onClick: () => act("/classifier/retrainings", null, load) }, t("ui.model_retrain")),
      h("button", { type: "button", class: "secondary danger-outline", id: "model-rollback",
        onClick: () => act("/classifier/rollback", t("ui.model_rollback_confirm"), load) }, t("ui.model_rollback"))),
    h("section", { class: "panel wide" }, h("h3", {}, t("ui.model_versions")), versions),
    h("section", { class: "panel wide" }, h("h3", {}, t("ui.model_runs")), runs),
    h("section", { class: "panel wide" }, h("h3", {}, t("ui.model_examples_title")), examples));
  load();
  return () => clearTimeout(timer);
}
