// 导出: queue a background export (POST /exports), show its progress bar while the server writes
// the file, then download it with the bearer token. Never waits on one long request.
import { api, ApiError, session } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { errorText } from "./errors.js";

const POLL_MS = 1000;

function fileName(res, fallback) {
  const cd = res.headers.get("Content-Disposition") || "";
  const utf8 = /filename\*=utf-8''([^;]+)/i.exec(cd);
  if (utf8) return decodeURIComponent(utf8[1]);
  return /filename="([^"]+)"/.exec(cd)?.[1] || fallback;
}

async function fetchFile(job) {
  const res = await fetch(job.file_url, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!res.ok) throw new ApiError(res.status, "error", `HTTP ${res.status}`);
  const name = fileName(res, job.filename || "export.xlsx");
  return h("a", { class: "export-file", href: URL.createObjectURL(await res.blob()), download: name }, name);
}

/** kind: orders | kpi | overdue | report; filters() → the filters at the moment of the click. */
export function exportButton({ kind, filters = () => ({}), id = `export-${kind}`, caption = t("ui.export_button") }) {
  const bar = h("progress", { class: "export-progress", max: 100, hidden: true });
  const text = h("span", { class: "export-status", role: "status" });
  const button = h("button", { type: "button", class: "secondary", id, onClick: start }, caption);
  const el = h("span", { class: "export-job", id: `${id}-job` }, button, bar, text);
  let timer = null;

  function show(job) {
    bar.hidden = false;
    if (job.rows_total) { bar.max = job.rows_total; bar.value = job.rows_done; } else bar.removeAttribute("value");
    text.textContent = job.status === "queued" ? t("ui.export_queued")
      : t("ui.export_running", { done: job.rows_done.toLocaleString("zh-CN"),
        total: job.rows_total == null ? "?" : job.rows_total.toLocaleString("zh-CN"), percent: job.percent ?? 0 });
  }

  async function poll(jobId) {
    try {
      const job = await api(`/exports/${encodeURIComponent(jobId)}`);
      if (job.status === "done") {
        bar.max = 1; bar.value = 1;
        const link = await fetchFile(job);
        text.replaceChildren(t("ui.export_done"), " ", link);
        link.click();
        button.disabled = false;
        return;
      }
      if (job.status === "failed") {
        text.textContent = t("ui.export_failed", { error: job.error || "" });
        bar.hidden = true;
        button.disabled = false;
        return;
      }
      show(job);
      timer = setTimeout(() => poll(jobId), POLL_MS);
    } catch (err) {
      text.textContent = errorText(err);
      button.disabled = false;
    }
  }

  async function start() {
    clearTimeout(timer);
    button.disabled = true;
    text.textContent = t("ui.export_queued");
    try {
      const job = await api("/exports", { method: "POST", json: { kind, filters: filters() } });
      el.dataset.jobId = job.id;
      show(job);
      poll(job.id);
    } catch (err) {
      text.textContent = errorText(err);
      button.disabled = false;
    }
  }

  return { el, destroy: () => clearTimeout(timer) };
}
