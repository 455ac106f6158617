// API errors in the user's language: the code decides the sentence, details fill it in.
import { label, t } from "../i18n.js";

export function errorText(err) {
  const d = err.details || {};
  switch (err.code) {
    case "illegal_transition":
      return t("ui.err_illegal_transition", { state: label("state", d.state), action: label("action", d.action) })
        + (err.message && err.message.includes(":") ? `（${err.message.split(":").slice(1).join(":").trim()}）` : "");
    case "conflict": return t("ui.err_conflict");
    case "forbidden": return t("ui.err_forbidden");
    case "not_found": return t("ui.err_not_found");
    case "invalid": return t("ui.err_invalid", { message: err.message });
    default: return t("ui.err_other", { message: err.message });
  }
}
