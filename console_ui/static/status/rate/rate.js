// The citizen's rating page (群众评价): the token after '#' in the closure notice's link.
// Opening asks whether the link is still good; a forged or expired link reads "无效或已过期",
// a used one says so; the choice is posted once (409 afterwards).
const $ = (id) => document.getElementById(id);
const fmt = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric",
  month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
const when = (iso) => (iso ? fmt.format(new Date(iso)) : "—");
const LABEL = { satisfied: "满意", basically_satisfied: "基本满意", unsatisfied: "不满意" };
const BAD = "评价链接无效或已过期。如需反映问题，请拨打热线或通过原渠道联系我们。";
const token = decodeURIComponent(location.hash.slice(1));

const post = (path, body) => fetch(`/api/v1/public/${path}`, { method: "POST",
  headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function say(text, ok = false) {
  $("rate-message").textContent = text;
  $("rate-message").className = ok ? "ok" : "";
}

function failure(status) {
  if (status === 409) return "该工单已评价，感谢您的参与。";
  if (status === 429) return "操作过于频繁，请稍后再试。";
  if (status === 404 || status === 422) return BAD;
  return "网络异常，请稍后再试。";
}

function showOrder(o) {
  $("o-number").textContent = o.number;
  $("o-closed").textContent = when(o.closed_at);
  $("o-reply").textContent = o.reply || "—";
  $("rate-order").hidden = false;
}

function done(o) {
  $("rate-form").hidden = true;
  say(`您已评价：${LABEL[o.rating] || "已评价"}。感谢您的参与！`, true);
}

async function open() {
  if (!token) { say(BAD); return; }
  try {
    const r = await post("ratings/check", { token });
    if (!r.ok) { say(failure(r.status)); return; }
    const o = await r.json();
    showOrder(o);
    if (o.rated) { say("该评价链接已使用，感谢您的参与。", true); return; }
    say("");
    $("rate-form").hidden = false;
  } catch {
    say("网络异常，请稍后再试。");
  }
}

async function submit(event) {
  event.preventDefault();
  const chosen = document.querySelector("input[name=rating]:checked");
  if (!chosen) { say("请选择满意、基本满意或不满意。"); return; }
  $("rate-submit").disabled = true;
  say("提交中…");
  try {
    const comment = $("rate-comment").value.trim() || null;
    const r = await post("ratings", { token, rating: chosen.value, comment });
    if (r.ok) { done(await r.json()); return; }
    say(failure(r.status));
    if (r.status === 409 || r.status === 404) $("rate-form").hidden = true;
  } catch {
    say("网络异常，请稍后再试。");
  } finally {
    $("rate-submit").disabled = false;
  }
}

$("rate-form").addEventListener("submit", submit);
$("rate-form").addEventListener("change", () => say(""));
open();
