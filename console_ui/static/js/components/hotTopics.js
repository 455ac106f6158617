// 热点诉求: one card per cluster — keywords, size, growth against the days before, main places.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { orderHref } from "./format.js";

function topicCard(topic, i) {
  const places = topic.places.map((p) => `${p.name || p.code}（${p.orders}）`).join("、");
  return h("li", { class: `hot-topic${topic.emerging ? " emerging" : ""}`, dataset: { size: topic.size } },
    h("div", { class: "hot-head" },
      h("span", { class: "hot-rank" }, String(i + 1)),
      h("span", { class: "hot-keywords" }, topic.keywords.map((k) => h("span", { class: "tag keyword" }, k))),
      h("strong", { class: "hot-size" }, t("ui.hot_size", { n: topic.size }))),
    h("small", { class: "muted" },
      topic.emerging ? h("span", { class: "tag hot-emerging" }, t("ui.hot_emerging")) : null, " ",
      t("ui.hot_growth", { prev: topic.previous }),
      places ? ` · ${t("ui.hot_places")}：${places}` : ""),
    h("div", { class: "hot-samples" }, topic.samples.map((s) =>
      h("a", { href: orderHref(s), title: s.title }, s.number || `#${s.order_id}`))));
}

export function hotTopicList(report) {
  if (!report.topics.length) return h("p", { class: "muted", id: "hot-none" }, t("ui.hot_none", { days: report.days }));
  return h("div", {},
    h("p", { class: "muted" }, t("ui.hot_window", { days: report.days, n: report.orders })),
    h("ol", { class: "hot-topics", id: "hot-topic-list" }, report.topics.map(topicCard)));
}
