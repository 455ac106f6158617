// Dates and times shown in Beijing time whatever the browser's zone; the API sends UTC.
import { t } from "./i18n.js";

const ZONE = "Asia/Shanghai";
const parts = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});

function pieces(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return Object.fromEntries(parts.formatToParts(date).map((p) => [p.type, p.value]));
}

/** "2025-11-27 16:38" in Beijing time; "" for nothing. */
export function fmtTime(value, { seconds = false } = {}) {
  if (!value) return "";
  const p = pieces(value);
  if (!p) return "";
  const base = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  return seconds ? `${base}:${p.second}` : base;
}

export function fmtDate(value) {
  const p = value && pieces(value);
  return p ? `${p.year}-${p.month}-${p.day}` : "";
}

/** "2天3小时" / "3小时5分钟" / "12分钟" for a span in milliseconds. */
export function fmtSpan(ms) {
  const mins = Math.max(0, Math.floor(Math.abs(ms) / 60000));
  const d = Math.floor(mins / 1440);
  const hrs = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  if (d) return `${d}${t("ui.days")}${hrs}${t("ui.hours")}`;
  if (hrs) return `${hrs}${t("ui.hours")}${m}${t("ui.minutes")}`;
  return `${m}${t("ui.minutes")}`;
}
