// The API client: bearer token from this tab's session, one error type with the API's shape.
const TOKEN_KEY = "hotline.token";
const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  me: null,
};

function buildUrl(path, params) {
  const url = new URL(BASE + path, location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  return url;
}

async function request(path, { method = "GET", json, form, params } = {}) {
  const headers = {};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  const res = await fetch(buildUrl(path, params), { method, headers, body });
  if (res.status === 401 && path !== "/auth/token") {
    session.token = null;
    window.dispatchEvent(new CustomEvent("auth-expired"));
  }
  return res;
}

export async function api(path, options = {}) {
  const res = await request(path, options);
  if (!res.ok) {
    let err = {};
    try { err = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, err.code, err.message, err.details);
  }
  if (res.status === 204) return null;
  return res.json();
}

export async function login(username, password) {
  const form = new URLSearchParams({ username, password });
  const data = await api("/auth/token", { method: "POST", form });
  session.token = data.access_token;
  return data;
}

export async function logout() {
  try { await api("/auth/logout", { method: "POST" }); } catch { /* already gone */ }
  session.token = null;
  session.me = null;
}

export async function uploadFile(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  return api("/attachments", { method: "POST", form });
}

const blobCache = new Map();
/** An object URL for an attachment (downloads need the bearer token, so no plain <img src>). */
export async function attachmentUrl(id) {
  if (!blobCache.has(id)) {
    blobCache.set(id, (async () => {
      const res = await request(`/attachments/${encodeURIComponent(id)}`);
      if (!res.ok) throw new ApiError(res.status, "not_found", "attachment");
      const blob = await res.blob();
      return { url: URL.createObjectURL(blob), type: blob.type };
    })());
  }
  return blobCache.get(id);
}

/** A random call id for intake: the same id on a retried submit makes intake idempotent. */
export function newCallId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
