// A keyset-paginated order list (never more than one page rendered) that follows the live feed.
import { clear, debounce, h } from "../dom.js";
import { label, t } from "../i18n.js";
import { onOrderEvent } from "../live.js";
import { fmtTime } from "../time.js";
import { deadline, orderHref, stateBadge, urgencyTag } from "./format.js";

export const PAGE_SIZE = 50;

/**
 * load({before_id, limit}) → {items, next_cursor}; extra(order) → a node for the last column;
 * relevant(event) → whether a live event may change this list (default: any).
 */
export function orderList({ load, extra, extraTitle = "", relevant = () => true, id = "orders",
                            emptyText = t("ui.empty"), onCount }) {
  const body = h("tbody");
  const status = h("div", { class: "list-status" });
  const banner = h("button", { class: "banner", hidden: true, onClick: () => first() });
  const prev = h("button", { class: "pager-prev", onClick: () => page(index - 1) }, t("ui.prev_page"));
  const next = h("button", { class: "pager-next", onClick: () => page(index + 1) }, t("ui.next_page"));
  const pageNo = h("span", { class: "page-no" });
  const cursors = [null];
  let index = 0;
  let changes = 0;
  let flashId = null;
  let seq = 0;

  const table = h("table", { class: "orders", id },
    h("thead", {}, h("tr", {},
      h("th", {}, t("ui.number")), h("th", {}, t("ui.title_col")), h("th", {}, t("ui.state")),
      h("th", {}, t("ui.due_at")), h("th", {}, t("ui.channel")), h("th", {}, t("ui.received_at")),
      extra ? h("th", {}, extraTitle) : null)),
    body);

  function row(o) {
    const tr = h("tr", { dataset: { orderId: o.id, state: o.state },
      class: String(o.id) === String(flashId) ? "flash" : "",
      onClick: (ev) => { if (!ev.target.closest("a,button")) location.hash = orderHref(o); } },
    h("td", { class: "c-number", dataset: { label: t("ui.number") } }, h("a", { href: orderHref(o) }, o.number || `#${o.id}`)),
    h("td", { class: "c-title", dataset: { label: t("ui.title_col") } }, urgencyTag(o.urgency), o.title || o.content),
    h("td", { class: "c-state", dataset: { label: t("ui.state") } }, stateBadge(o.state)),
    h("td", { class: "c-due", dataset: { label: t("ui.due_at") } }, deadline(o)),
    h("td", { class: "c-channel", dataset: { label: t("ui.channel") } }, label("channel", o.channel)),
    h("td", { class: "c-received", dataset: { label: t("ui.received_at") } }, fmtTime(o.received_at)),
    extra ? h("td", { class: "c-extra" }, extra(o)) : null);
    return tr;
  }

  async function page(i) {
    if (i < 0 || i >= cursors.length) return;
    const mine = ++seq;
    status.textContent = t("ui.loading");
    try {
      const data = await load({ before_id: cursors[i] ?? undefined, limit: PAGE_SIZE });
      if (mine !== seq) return;
      index = i;
      cursors.length = i + 1;
      if (data.next_cursor) cursors.push(data.next_cursor);
      clear(body).append(...data.items.map(row));
      status.textContent = data.items.length ? "" : emptyText;
      pageNo.textContent = t("ui.page_n", { n: index + 1 });
      prev.disabled = index === 0;
      next.disabled = !data.next_cursor;
      if (index === 0) { changes = 0; banner.hidden = true; }
      if (onCount) onCount(data.items.length, Boolean(data.next_cursor));
      wrap.dataset.loaded = String(Date.now());
    } catch (err) {
      if (mine === seq) status.textContent = t("ui.error", { message: err.message });
    }
  }

  function first() { return page(0); }

  const refresh = debounce(() => page(0), 400);
  const unsubscribe = onOrderEvent((ev) => {
    if (!relevant(ev)) return;
    if (index === 0) {
      flashId = ev.order_id;
      refresh();
    } else {
      changes += 1;
      banner.textContent = t("ui.new_changes", { n: changes });
      banner.hidden = false;
    }
  });

  const wrap = h("div", { class: "order-list" }, banner, table, status,
    h("div", { class: "pager" }, prev, pageNo, next));
  first();
  return { el: wrap, reload: first, destroy: () => { unsubscribe(); refresh.cancel(); } };
}
