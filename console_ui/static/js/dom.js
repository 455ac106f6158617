// DOM building without markup strings: every text goes through textContent, so citizen text
// (untrusted) can never become elements or scripts. No innerHTML anywhere in the console.

const SAFE_URL = /^(#|\/|blob:|data:image\/)/;

function setProp(el, key, value) {
  if (value === undefined || value === null || value === false) return;
  if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
  else if (key === "text") el.textContent = String(value);
  else if (key === "dataset") Object.assign(el.dataset, value);
  else if (key === "style") Object.assign(el.style, value);
  else if (key.startsWith("on") && typeof value === "function") {
    el.addEventListener(key.slice(2).toLowerCase(), value);
  } else if (key === "href" || key === "src") {
    if (!SAFE_URL.test(String(value))) throw new Error(`unsafe ${key}`);
    el.setAttribute(key, String(value));
  } else if (key === "value" || key === "checked" || key === "disabled" || key === "selected") {
    el[key] = value;
  } else {
    el.setAttribute(key, value === true ? "" : String(value));
  }
}

export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** h("div", {class: "x", onClick: fn}, "text", otherNode, [more]) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) setProp(el, k, v);
  return append(el, ...children);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

let toastTimer = null;
export function toast(message, kind = "ok") {
  let box = document.getElementById("toast");
  if (!box) {
    box = h("div", { id: "toast", role: "status", "aria-live": "polite" });
    document.body.append(box);
  }
  box.className = `toast toast-${kind} show`;
  box.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("show"), 3500);
}

/** A select whose options are [value, label] pairs. */
export function select(props, options, selected) {
  return h("select", props, options.map(([value, text]) =>
    h("option", { value, selected: String(value) === String(selected ?? "") }, text)));
}

export function field(labelText, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, labelText), control,
    hint ? h("small", { class: "hint" }, hint) : null);
}
