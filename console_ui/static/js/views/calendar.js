// 工作日历 (admin): where each year's working days come from (the State Council's schedule as
// loaded, the built-in one, or only Mon-Fri), its holidays and make-up working days; upload a
// schedule file (CSV date,type or JSON), remove a loaded year.
import { api } from "../api.js";
import { clear, h, toast } from "../dom.js";
import { label, t } from "../i18n.js";
import { fmtTime } from "../time.js";
import { errorText } from "../components/errors.js";
import { forgetCalendarWarning, showCalendarWarning } from "../components/calendarWarning.js";

const days = (list) => (list.length ? list.map((d) => d.slice(5)).join("、") : "—");

export function mountCalendar(root, { me }) {
  const years = h("div", { id: "calendar-years" }, t("ui.loading"));
  const file = h("input", { type: "file", id: "calendar-file", accept: ".csv,.json,text/csv,application/json" });

  async function load() {
    try {
      const shown = await api("/sla/calendar/years");   // last year to next year, and every loaded one
      clear(years).append(h("table", { class: "orders compact", id: "calendar-table" },
        h("thead", {}, h("tr", {}, [t("ui.calendar_year"), t("ui.calendar_source"), t("ui.calendar_holidays"),
          t("ui.calendar_workdays"), t("ui.calendar_loaded"), ""].map((c) => h("th", {}, c)))),
        h("tbody", {}, shown.map((y) => h("tr", { dataset: { year: y.year, source: y.source },
          class: y.fallback ? "calendar-fallback" : "" },
        h("td", {}, String(y.year)),
        h("td", { title: y.source_note }, label("calendar_source", y.source)),
        h("td", { class: "pre" }, days(y.holidays)), h("td", { class: "pre" }, days(y.workdays)),
        h("td", {}, y.loaded_at ? `${fmtTime(y.loaded_at)} ${y.loaded_by || ""} ${y.note || ""}` : "—"),
        h("td", {}, y.source === "loaded" ? h("button", { type: "button", class: "secondary calendar-remove",
          onClick: () => remove(y.year) }, t("ui.calendar_remove")) : null))))));
    } catch (err) {
      clear(years).append(h("p", { class: "error" }, errorText(err)));
    }
  }

  async function upload(event) {
    event.preventDefault();
    if (!file.files.length) { toast(t("ui.calendar_pick_file"), "error"); return; }
    const form = new FormData();
    form.append("file", file.files[0], file.files[0].name);
    try {
      const loaded = await api("/sla/calendar/upload", { method: "POST", form });
      toast(t("ui.calendar_uploaded", { years: loaded.map((y) => y.year).join("、") }));
      file.value = "";
    } catch (err) {
      toast(errorText(err), "error");
    }
    changed();
  }

  function changed() {   // the table and the warning above the screen, asked again
    forgetCalendarWarning();
    showCalendarWarning(me, document.querySelector(".notices"));
    load();
  }

  async function remove(year) {
    if (!window.confirm(t("ui.calendar_remove_confirm", { year }))) return;
    try {
      await api(`/sla/calendar/years/${year}`, { method: "DELETE" });
    } catch (err) {
      toast(errorText(err), "error");
    }
    changed();
  }

  root.append(h("h2", {}, t("ui.menu.calendar")),
    h("p", { class: "muted" }, t("ui.calendar_intro")),
    h("form", { class: "panel wide", id: "calendar-upload", onSubmit: upload },
      h("h3", {}, t("ui.calendar_upload")),
      h("p", { class: "muted" }, t("ui.calendar_format")),
      h("div", { class: "form-buttons" }, file,
        h("button", { type: "submit", class: "primary", id: "calendar-submit" }, t("ui.calendar_upload_button")))),
    h("section", { class: "panel wide" }, years));
  load();
}
