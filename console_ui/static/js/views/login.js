import { ApiError, login, session } from "../api.js";
import { field, h } from "../dom.js";
import { t } from "../i18n.js";

function loginError(err) {
  if (err instanceof ApiError && err.status === 401) return t("ui.login_failed");
  if (err instanceof ApiError && err.status === 429) {   // this address failed too often
    return t("ui.login_throttled", { minutes: Math.max(1, Math.ceil((err.details?.retry_after || 60) / 60)) });
  }
  return t("ui.error", { message: err.message });
}

export function mountLogin(root, { onDone }) {
  const user = h("input", { name: "username", autocomplete: "username", required: true, id: "login-username" });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password",
    required: true, id: "login-password" });
  const msg = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary", id: "login-submit" }, t("ui.login"));
  const form = h("form", { class: "login-card", onSubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = "";
    button.disabled = true;
    button.textContent = t("ui.signing_in");
    try {
      session.me = null;
      await login(user.value.trim(), pass.value);
      onDone();
    } catch (err) {
      msg.textContent = loginError(err);
    } finally {
      button.disabled = false;
      button.textContent = t("ui.login");
    }
  } },
  h("h1", {}, t("app.title")),
  field(t("ui.username"), user), field(t("ui.password"), pass), button, msg);
  root.append(h("div", { class: "login-page" }, form));
  user.focus();
}
