// 知识库: everyone searches; the centre's administrators add, edit and delete entries.
import { api } from "../api.js";
import { clear, debounce, field, h, toast } from "../dom.js";
import { t } from "../i18n.js";
import { fmtTime } from "../time.js";
import { errorText } from "../components/errors.js";
import { isCentreAdmin } from "../menus.js";

function editor(entry, onSaved, onCancel) {
  const question = h("input", { name: "question", value: entry?.question || "", maxlength: 300, required: true });
  const answer = h("textarea", { name: "answer", rows: 5, maxlength: 4000, required: true });
  answer.value = entry?.answer || "";
  const keywords = h("input", { name: "keywords", value: (entry?.keywords || []).join("，"), placeholder: t("ui.kb_keywords_ph") });
  const category = h("input", { name: "category", value: entry?.category || "", maxlength: 64 });
  const msg = h("p", { class: "error", role: "alert" });
  return h("form", { class: "panel kb-editor", id: "kb-editor", onSubmit: async (ev) => {
    ev.preventDefault();
    const body = { question: question.value.trim(), answer: answer.value.trim(), category: category.value.trim() || null,
      keywords: keywords.value.split(/[,，、\s]+/).map((k) => k.trim()).filter(Boolean) };
    try {
      const saved = await api(entry ? `/knowledge/${entry.id}` : "/knowledge",
        { method: entry ? "PUT" : "POST", json: body });
      toast(t("ui.done_ok"));
      onSaved(saved);
    } catch (err) {
      msg.textContent = errorText(err);
    }
  } },
  h("h3", {}, entry ? t("ui.edit") : t("ui.kb_new")),
  field(t("ui.kb_question"), question), field(t("ui.kb_answer"), answer),
  h("div", { class: "row2" }, field(t("ui.kb_keywords"), keywords), field(t("ui.kb_category"), category)),
  msg, h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "primary", id: "kb-save" }, t("ui.save")),
    h("button", { type: "button", class: "link", onClick: onCancel }, t("ui.cancel"))));
}

export function mountKnowledge(root, { me }) {
  const admin = isCentreAdmin(me);
  const q = h("input", { type: "search", name: "q", id: "kb-q", placeholder: t("ui.kb_search_ph") });
  const results = h("div", { id: "kb-list" });
  const editArea = h("div");

  async function load() {
    try {
      const found = await api("/knowledge", { params: { q: q.value.trim() || undefined, limit: q.value.trim() ? 20 : 100 } });
      // ranked hits far below the best share a stray word with the query, not its subject
      const hits = found.filter((hit) => !hit.score || hit.score >= 0.3 * found[0].score);
      clear(results);
      if (!hits.length) results.append(h("p", { class: "muted" }, t("ui.empty")));
      for (const { entry, score } of hits) {
        results.append(h("article", { class: "panel kb-entry", dataset: { kbId: entry.id } },
          h("h3", {}, entry.question, score ? h("small", { class: "muted" }, ` ${t("ui.kb_score", { score: score.toFixed(2) })}`) : null),
          h("p", { class: "pre" }, entry.answer),
          h("div", { class: "chips" }, entry.category ? h("span", { class: "chip" }, entry.category) : null,
            entry.keywords.map((k) => h("span", { class: "chip muted" }, k))),
          h("small", { class: "muted" }, `${t("ui.kb_updated")}：${fmtTime(entry.updated_at)} ${entry.updated_by || ""}`),
          admin ? h("div", { class: "form-buttons" },
            h("button", { class: "secondary kb-edit", onClick: () => edit(entry) }, t("ui.edit")),
            h("button", { class: "danger-outline kb-delete", onClick: async () => {
              if (!window.confirm(t("ui.kb_delete_confirm"))) return;
              try { await api(`/knowledge/${entry.id}`, { method: "DELETE" }); toast(t("ui.done_ok")); load(); }
              catch (err) { toast(errorText(err), "error"); }
            } }, t("ui.delete"))) : null));
      }
    } catch (err) {
      clear(results).append(h("p", { class: "error" }, errorText(err)));
    }
  }

  function edit(entry) {
    clear(editArea).append(editor(entry, () => { clear(editArea); load(); }, () => clear(editArea)));
    editArea.scrollIntoView({ block: "start" });
  }

  const search = debounce(load, 300);
  q.addEventListener("input", search);
  root.append(h("h2", {}, t("ui.kb_title")),
    h("div", { class: "filters" }, q, admin ? h("button", { class: "primary", id: "kb-add", onClick: () => edit(null) }, t("ui.kb_new")) : null),
    editArea, results);
  load();
  return () => search.cancel();
}
