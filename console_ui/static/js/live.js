// The live feed: one websocket per tab, reconnecting; views subscribe to order events.
import { session } from "./api.js";

const WS_UNAUTHORIZED = 4401;
const listeners = new Set();
let socket = null;
let retry = 0;
let timer = null;
let wanted = false;

function setStatus(on) {
  document.body.dataset.live = on ? "on" : "off";
  window.dispatchEvent(new CustomEvent("live-status", { detail: { on } }));
}

function open() {
  if (!wanted || !session.token) return;
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  // the token rides in the subprotocol header, not the URL, which access logs keep
  socket = new WebSocket(`${proto}//${location.host}/api/v1/ws`, ["hotline.v1", `bearer.${session.token}`]);
  socket.onmessage = (msg) => {
    let event;
    try { event = JSON.parse(msg.data); } catch { return; }
    if (event.type === "hello") { retry = 0; setStatus(true); }
    if (event.type === "order") listeners.forEach((fn) => { try { fn(event); } catch (e) { console.error(e); } });
  };
  socket.onclose = (ev) => {
    setStatus(false);
    socket = null;
    if (ev.code === WS_UNAUTHORIZED) {
      window.dispatchEvent(new CustomEvent("auth-expired"));
      return;
    }
    if (wanted) timer = setTimeout(open, Math.min(15000, 500 * 2 ** retry++));
  };
}

export function startLive() {
  wanted = true;
  if (!socket) open();
}

export function stopLive() {
  wanted = false;
  clearTimeout(timer);
  if (socket) socket.close();
  socket = null;
  setStatus(false);
}

/** fn(event) for every order event within the user's reach; returns the unsubscribe function. */
export function onOrderEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
