// Knowledge-base answers for what the caller is asking, each offering to close the call with it.
import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";
import { errorText } from "./errors.js";

/** {el, search(text)}; onUse(entry) when the operator adopts an answer. */
export function kbAnswers({ onUse }) {
  const el = h("div", { id: "kb-results" }, h("p", { class: "muted" }, t("ui.kb_hint")));
  async function search(text) {
    try {
      const found = await api("/knowledge", { params: { q: text.slice(0, 500), limit: 3 } });
      // a hit far below the best one shares a stray word, not the question: leave it out
      const hits = found.filter((hit) => hit.score >= 0.4 * found[0].score);
      clear(el);
      if (!hits.length) { el.append(h("p", { class: "muted" }, t("ui.empty"))); return; }
      el.append(...hits.map(({ entry }) => h("article", { class: "kb-hit", dataset: { kbId: entry.id } },
        h("h4", {}, entry.question), h("p", { class: "pre" }, entry.answer),
        h("button", { type: "button", class: "secondary kb-use", onClick: () => onUse(entry) }, t("ui.kb_use")))));
    } catch (err) {
      clear(el).append(h("p", { class: "error" }, errorText(err)));
    }
  }
  return { el, search };
}
