// The public status page: order number + the phone's last four digits → the public part only.
// Every miss reads the same (the API answers the same 404); 429 asks the citizen to wait.
const $ = (id) => document.getElementById(id);
const fmt = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric",
  month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
const when = (iso) => (iso ? fmt.format(new Date(iso)) : "—");

function show(found) {
  $("r-number").textContent = found.number;
  $("r-state").textContent = found.state_text;
  $("r-received").textContent = when(found.received_at);
  $("r-updated").textContent = when(found.updated_at);
  $("r-closed").textContent = when(found.closed_at);
  $("r-reply").textContent = found.reply || "办结后在此显示";
  $("status-result").hidden = false;
}

async function lookUp(event) {
  event.preventDefault();
  const number = $("status-number").value.trim().toUpperCase();
  const suffix = $("status-suffix").value.trim();
  $("status-result").hidden = true;
  if (!number || !/^[0-9]{4}$/.test(suffix)) {
    $("status-message").textContent = "请填写工单号和手机号后四位（4 位数字）。";
    return;
  }
  $("status-submit").disabled = true;
  $("status-message").textContent = "查询中…";
  try {
    const r = await fetch("/api/v1/public/status", { method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ number, phone_suffix: suffix }) });
    if (r.ok) { $("status-message").textContent = ""; show(await r.json()); return; }
    $("status-message").textContent = r.status === 429 ? "查询过于频繁，请稍后再试。"
      : "未查到该工单，请核对工单号和手机号后四位。";
  } catch {
    $("status-message").textContent = "网络异常，请稍后再试。";
  } finally {
    $("status-submit").disabled = false;
  }
}

$("status-form").addEventListener("submit", lookUp);
