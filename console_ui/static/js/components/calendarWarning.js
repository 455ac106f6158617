// A warning under the menu while a year that deadlines can reach has no official holidays
// (this year, and next year from 60 days before it begins): its deadlines count 元旦 or 春节 as
// working days until an admin loads the State Council's schedule. Asked at sign-in, then again
// every ten minutes or after an upload.
import { api, session } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { isCentreAdmin } from "../menus.js";

const WHO = new Set(["dispatcher", "supervisor", "admin"]);

// { token, at, years }: asked again after another sign-in, a schedule upload or ten minutes
let asked = null;
const TEN_MINUTES = 10 * 60 * 1000;

export function forgetCalendarWarning() {
  asked = null;
}

/** Put the warning (if any) into ``container``, replacing the one shown there. */
export async function showCalendarWarning(me, container) {
  const warning = await calendarWarning(me);
  if (!container?.isConnected) return;
  container.querySelector("#calendar-warning")?.remove();
  if (warning) container.append(warning);
}

async function calendarWarning(me) {
  if (!WHO.has(me.user.role)) return null;
  if (asked?.token !== session.token || Date.now() - asked.at > TEN_MINUTES) {
    try {
      asked = { token: session.token, at: Date.now(), years: (await api("/sla/calendar/missing")).years };
    } catch {
      return null;   // a warning is a nicety: the screen still works
    }
  }
  const { years } = asked;
  if (!years.length) return null;
  return h("div", { class: "banner calendar-warning", id: "calendar-warning", role: "alert" },
    t("ui.calendar_missing", { years: years.join("、") }), " ",
    isCentreAdmin(me)
      ? h("a", { href: "#/calendar" }, t("ui.calendar_load_now"))
      : t("ui.calendar_ask_admin"));
}
