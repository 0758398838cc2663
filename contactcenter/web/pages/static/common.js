// What every page shares: the page's data, the API with the session's CSRF token,
// the event stream that reconnects, timers on the server's clock, and `el`, the one
// way the pages make elements: text from data always goes in as textContent.

export function pageData() {
  const node = document.getElementById("page-data");
  return node ? JSON.parse(node.textContent) : {};
}

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

// fetch the API; every method but GET carries the CSRF token the session needs
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    return { ok: false, status: 0, body: { error: "the platform cannot be reached" } };
  }
  let data = null;
  if ((response.headers.get("content-type") || "").includes("application/json")) {
    data = await response.json().catch(() => null);
  }
  if (response.status === 401 && !path.startsWith("/api/v1/auth")) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
  }
  return { ok: response.ok, status: response.status, body: data || {} };
}

// a route this platform does not serve (a feature it runs without)
export const unavailable = (result) => result.status === 404
  && (!result.body.error || result.body.error === "Not Found");

export function reason(result, fallback) {
  return (result.body && result.body.error) || fallback || `error ${result.status}`;
}

// -- elements --------------------------------------------------------------------------

// el("td", {class: "x", dataset: {k: v}, title: t, onclick: f}, child, "text", ...)
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = String(value);
    else if (key in node && key !== "list" && key !== "form") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function setText(id, value) {
  const node = typeof id === "string" ? document.getElementById(id) : id;
  if (node) node.textContent = value === null || value === undefined ? "" : String(value);
  return node;
}

export function replace(id, ...children) {
  const node = document.getElementById(id);
  if (node) node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

// -- time ------------------------------------------------------------------------------

let offset = 0; // server clock - browser clock, in seconds

export function syncClock(serverTime) {
  if (typeof serverTime === "number") offset = serverTime - Date.now() / 1000;
}

export const serverNow = () => Date.now() / 1000 + offset;

export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0"), ss = String(r).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

// Elements with data-since count up from a server time, data-until count down to one,
// data-base plus data-at count up from a value the server gave at a time.
function tick() {
  const now = serverNow();
  for (const node of document.querySelectorAll("[data-since]")) {
    node.textContent = duration(now - Number(node.dataset.since));
  }
  for (const node of document.querySelectorAll("[data-until]")) {
    node.textContent = duration(Number(node.dataset.until) - now);
  }
  for (const node of document.querySelectorAll("[data-base]")) {
    node.textContent = duration(Number(node.dataset.base) + now - Number(node.dataset.at));
  }
}

export function startTicking() {
  tick();
  setInterval(tick, 250);
}

// clear every timer attribute of a node and set the one given
export function timer(node, kind, values) {
  if (!node) return;
  for (const key of ["since", "until", "base", "at"]) delete node.dataset[key];
  if (kind) Object.assign(node.dataset, values);
  if (!kind) node.textContent = "";
  tick();
}

// -- the event stream --------------------------------------------------------------------

// Opens /api/v1/events (or `path`, another stream of the platform's) with the session
// cookie (the server takes it only from this platform's own pages, by their Origin),
// calls onEvent(event) for each domain event and onOpen(hello) after each
// (re)connection; reconnects whenever it closes, except when the session ended (signed
// out elsewhere, password changed): then to the sign-in page. `indicator`: false for a
// page's second stream, which leaves the "live" badge to the first.
export function connectEvents({ types, onEvent, onOpen, path = "/api/v1/events",
                                indicator = true }) {
  let delay = 250;
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const query = types ? `?types=${encodeURIComponent(types.join(","))}` : "";
  const url = `${scheme}://${window.location.host}${path}${query}`;
  const live = indicator ? document.getElementById("live") : null;
  const show = (state, text) => {
    if (!indicator) return;
    if (live) { live.dataset.live = state; live.textContent = text; }
    document.body.dataset.live = state;
  };
  function open() {
    const socket = new WebSocket(url);
    socket.addEventListener("message", (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      if (event.type === "hello") {
        syncClock(event.time);
        delay = 250;
        show("live", "live");
        if (onOpen) onOpen(event);
        return;
      }
      onEvent(event);
    });
    socket.addEventListener("close", (closed) => {
      if (closed.code === 1008) {
        window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
        return;
      }
      show("reconnecting", "reconnecting…");
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    });
  }
  open();
}

// -- sign out and click-to-talk --------------------------------------------------------

export function wireSignOut() {
  const button = document.getElementById("sign-out");
  if (!button) return;
  button.addEventListener("click", async () => {
    await api("DELETE", "/api/v1/auth/session");
    window.location.assign("/login");
  });
}

// Ring the signed-in agent's phone, then the number; says what happened in `output`.
export async function clickToTalk(number, output) {
  setText(output, `Calling your phone, then ${number}…`);
  output.dataset.result = "pending";
  const result = await api("POST", "/api/v1/click-to-talk", { number });
  if (result.ok) {
    setText(output, `Your phone rings first, then ${number}.`);
    output.dataset.result = "ok";
  } else {
    const why = unavailable(result) ? "click-to-talk is not available on this platform"
      : reason(result);
    setText(output, `Not called: ${why}`);
    output.dataset.result = "refused";
  }
  return result;
}

// a phone number as a button that calls it (click-to-talk)
export function phoneButton(number, output) {
  return el("button", {
    type: "button", class: "phone", title: `Call ${number} (your phone rings first)`,
    dataset: { number }, onclick: () => clickToTalk(number, output),
  }, "☎ ", number);
}
