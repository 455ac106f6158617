// Message lookup: t("ui.key", {param}) and label("state", code). Labels never contain markup.
import zhCN from "../i18n/zh-CN.js";

const LOCALE_KEY = "hotline.locale";
const catalogues = { "zh-CN": zhCN };
let current = zhCN;

export async function initLocale() {
  const wanted = localStorage.getItem(LOCALE_KEY) || "zh-CN";
  if (/^[A-Za-z-]{2,10}$/.test(wanted) && !catalogues[wanted]) {
    try {
      catalogues[wanted] = (await import(`../i18n/${wanted}.js`)).default;
    } catch {
      /* no such catalogue: stay with zh-CN */
    }
  }
  current = catalogues[wanted] || zhCN;
  document.documentElement.lang = current.locale || "zh-CN";
}

function lookup(cat, path) {
  return path.split(".").reduce((node, part) => (node == null ? undefined : node[part]), cat);
}

export function t(key, params = {}) {
  const raw = lookup(current, key) ?? lookup(zhCN, key) ?? key;
  return String(raw).replace(/\{(\w+)\}/g, (_, k) => (params[k] ?? ""));
}

export function label(group, code) {
  if (code === null || code === undefined || code === "") return "";
  return current[group]?.[code] ?? zhCN[group]?.[code] ?? String(code);
}

export function yesNo(value) {
  if (value === true) return t("yes");
  if (value === false) return t("no");
  return t("unknown");
}
