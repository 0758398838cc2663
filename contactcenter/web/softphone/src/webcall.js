// The customer's "Talk to us" button: a web visitor calls the contact center from their
// browser. The help page loads it as /assets/webcall.js, a company's own site as
// /embed/talk.js (the same file), with a classic script tag:
//
//   <script src="https://cc.example.com/embed/talk.js" data-target="sales" defer></script>
//
// It draws a button where the tag is (or in the element `data-mount` names); a click opens
// a small form (an optional e-mail address, so that the agent sees who calls), then asks
// the platform for a grant (POST /api/v1/web-calls: a one-time SIP identity that may call
// that target only, for a few minutes) and calls with JsSIP over Asterisk's SIP WebSocket,
// without registering. Built by esbuild into ../pages/static/webcall.js (`make softphone`).
/*! Bundled, all under the MIT License: JsSIP (Copyright (c) 2012-2015 José Luis Millán -
 * Versatica), debug (Copyright (c) 2014-2017 TJ Holowaychuk), ms (Copyright (c) 2020
 * Vercel, Inc.), events (Copyright Joyent, Inc. and other Node contributors), sdp-transform
 * (Copyright (c) 2013 Eirik Albrigtsen). The license: https://opensource.org/license/mit */
import JsSIP from "jssip";

// how long the SIP WebSocket outlives its call
const LINGER_MS = 5000;
// how long a hang-up before the answer waits for it before it CANCELs
const CANCEL_AFTER_MS = 3000;
// the keys of a phone's keypad (RFC 4733's events 0-11; A-D are on no visitor's keypad)
const KEYS = "123456789*0#";
// a key's tone: 100 ms, as phones send and JsSIP's default; a short gap, so that quick
// presses are not held back half a second each (JsSIP's default gap)
const TONE = { duration: 100, interToneGap: 70 };

// One call with a grant: state is "idle", "connecting", "ringing", "connected", "ended"
// or "failed" (reason says why); onChange(phone) after every change.
export class WebPhone {
  constructor(grant, { onChange = () => {}, audio = null } = {}) {
    this.grant = grant;
    this.onChange = onChange;
    this.audio = audio;
    this.state = "idle";
    this.reason = "";
    this.session = null;
    this.ua = null;
    this.leaving = false;
  }

  set(state, reason = "") {
    this.state = state;
    this.reason = reason;
    this.onChange(this);
  }

  // uri: whom to call; the grant's own target unless another is given (the platform's
  // Asterisk refuses any other: the grant's endpoint reaches its target only)
  call(uri = this.grant.call) {
    const { ws_url: url, uri: me, username, password } = this.grant;
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(url)], uri: me, authorization_user: username,
      password, register: false, session_timers: false, display_name: "Web visitor",
      user_agent: "contactcenter-webcall (JsSIP)",
    });
    this.ua = ua;
    this.set("connecting");
    ua.on("connected", () => this.invite(uri));
    ua.on("disconnected", () => {
      if (this.state === "connecting") this.finish("failed", "the phone server cannot be reached");
    });
    ua.start();
  }

  invite(uri) {
    if (this.session || !this.ua) return;
    const session = this.ua.call(uri, {
      mediaConstraints: { audio: true, video: false },
      // loopback and LAN: Asterisk's host candidate is enough, no STUN or TURN to wait for
      pcConfig: { iceServers: [] },
    });
    this.session = session;
    session.connection.addEventListener("track", (event) => {
      if (this.audio) this.audio.srcObject = event.streams[0] || new MediaStream([event.track]);
    });
    session.on("progress", () => this.set("ringing"));
    session.on("accepted", () => {
      if (this.leaving) session.terminate(); // hung up while the answer was on its way
      else this.set("connected");
    });
    session.on("confirmed", () => {
      if (!this.leaving && this.state !== "connected") this.set("connected");
    });
    session.on("ended", (event) => this.finish("ended", event.cause || ""));
    session.on("failed", (event) => this.finish("failed", event.cause || ""));
  }

  finish(state, reason = "") {
    if (this.audio) this.audio.srcObject = null;
    const ua = this.ua;
    this.ua = null;
    this.set(state, reason);
    // the WebSocket stays a moment: a call hung up while its 200 OK was on the way is
    // CANCELled, and JsSIP must still ACK and BYE that 200 when it comes
    if (ua) setTimeout(() => ua.stop(), LINGER_MS);
  }

  // Before the contact center's answer, a CANCEL could cross its 200 OK (the platform
  // answers at once) and leave the call up: the call is ended with a BYE as the answer
  // comes, or CANCELled if none came within CANCEL_AFTER_MS.
  hangup() {
    const session = this.session;
    if (!session || session.isEnded()) {
      if (this.ua) this.finish("ended");
      return;
    }
    if (this.state === "connected") {
      session.terminate();
      return;
    }
    this.leaving = true;
    setTimeout(() => { if (!session.isEnded()) session.terminate(); }, CANCEL_AFTER_MS);
  }

  // One key of the keypad to the far end, true once it is on its way (false: no call is
  // connected to take it). The key goes as an RFC 4733 telephone-event in the call's own
  // RTP (JsSIP's "RFC2833" transport: the peer connection's RTCDTMFSender), which is how
  // the grant's endpoint takes DTMF (dtmf_mode = rfc4733, contactcenter/webcall/dialplan.py).
  sendDigit(key) {
    if (typeof key !== "string" || key.length !== 1 || !KEYS.includes(key)) {
      throw new RangeError(`not a key of the keypad: ${JSON.stringify(key)}`);
    }
    const session = this.session;
    if (this.state !== "connected" || !session || session.isEnded()) return false;
    const sender = session.connection && session.connection.getSenders()
      .find((one) => one.track && one.track.kind === "audio");
    // no telephone-event in the answer's SDP: the key would be dropped without a word
    if (!sender || !sender.dtmf || !sender.dtmf.canInsertDTMF) return false;
    session.sendDTMF(key, { transportType: "RFC2833", ...TONE });
    return true;
  }

  // {received, sent}: RTP packets of the call's audio so far
  async packets() {
    const connection = this.session && this.session.connection;
    const counts = { received: 0, sent: 0 };
    if (!connection) return counts;
    (await connection.getStats()).forEach((entry) => {
      if (entry.kind !== "audio") return;
      if (entry.type === "inbound-rtp") counts.received += entry.packetsReceived || 0;
      if (entry.type === "outbound-rtp") counts.sent += entry.packetsSent || 0;
    });
    return counts;
  }
}

// the platform's answer to a grant request: {ok, status, body}
// (status 0: no answer the page may read: the platform is down, or it does not list this
// site, whose request the browser then stops at the CORS preflight)
export async function askGrant(base, target, email) {
  let response;
  try {
    response = await fetch(`${base}/api/v1/web-calls`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      // the page without its query or fragment: they may hold a token (a reset link's,
      // a sign-in's answer) that is none of the contact center's business
      body: JSON.stringify({ target,
                             page: `${window.location.origin}${window.location.pathname}`
                               .slice(0, 500),
                             ...(email ? { email } : {}) }),
    });
  } catch {
    return { ok: false, status: 0, body: null };
  }
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  return { ok: response.ok, status: response.status, body };
}

const SAYS = {
  connecting: "Connecting…", ringing: "Calling… please hold the line", connected: "Connected",
  ended: "Call ended. Thank you!", failed: "The call could not be placed",
};
const REFUSED = {
  0: "We cannot be reached from this page right now.",
  429: "Too many calls from your address. Please try again later.",
  403: "This site may not place calls to us.",
  503: "Calls cannot be placed right now. Please try again later.",
};

function make(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

// what a screen reader says of the keys that are not digits
const KEY_NAMES = { "*": "Star", "#": "Pound" };
// how many of the keys pressed the keypad shows (the latest)
const SHOWN_KEYS = 24;

// The keypad of a connected call: a button per key, and the keys pressed so far.
// press(key) sends one key and shows it if it went.
function makeKeypad(press) {
  const keys = make("output", { class: "cc-talk-keys", "aria-live": "polite" });
  const grid = make("div", { class: "cc-talk-keys-grid" }, ...[...KEYS].map((key) => {
    const button = make("button", { type: "button", class: "cc-talk-key", "data-key": key,
                                    "aria-label": KEY_NAMES[key] || key }, key);
    button.addEventListener("click", () => press(key));
    return button;
  }));
  // a phone's layout, even on a page without the platform's style sheet (CSSOM, which
  // a Content-Security-Policy without 'unsafe-inline' still allows)
  Object.assign(grid.style, { display: "grid", gridTemplateColumns: "repeat(3, 3em)",
                              gap: "0.25em", margin: "0.5em 0" });
  const pad = make("div", { class: "cc-talk-keypad", role: "group", "aria-label": "Keypad",
                            tabindex: "-1", hidden: "" },
    grid, make("p", {}, "Keys pressed: ", keys));
  return { pad, keys };
}

// The button, its form and the call's status, in `mount`.
export function mountButton(mount, { base, target, label }) {
  const button = make("button", { type: "button", class: "cc-talk-button" }, label);
  const email = make("input", { type: "email", maxlength: "200", autocomplete: "email",
                                placeholder: "you@example.com", class: "cc-talk-email" });
  const start = make("button", { type: "submit", class: "cc-talk-start" }, "Call now");
  const form = make("form", { class: "cc-talk-form", hidden: "" },
    make("label", {}, "Your e-mail (optional, so we know who you are) ", email), start);
  const status = make("p", { class: "cc-talk-status", role: "status", "data-state": "idle" });
  const hangup = make("button", { type: "button", class: "cc-talk-hangup", hidden: "" },
    "Hang up");
  const audio = make("audio", { autoplay: "" });
  const press = (key) => {
    if (!widget.phone || !widget.phone.sendDigit(key)) return;
    keypad.keys.textContent = (keypad.keys.textContent + key).slice(-SHOWN_KEYS);
  };
  const keypad = makeKeypad(press);
  const widget = make("div", { class: "cc-talk", "data-target": target },
    button, form, status, keypad.pad, hangup, audio);
  mount.append(widget);
  const show = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
    hangup.hidden = !["connecting", "ringing", "connected"].includes(state);
    start.disabled = !hangup.hidden;
    showKeypad(widget, keypad.pad, state === "connected");
  };
  button.addEventListener("click", () => { form.hidden = !form.hidden; });
  hangup.addEventListener("click", () => widget.phone && widget.phone.hangup());
  // the keyboard's keys while the widget has focus (not while typing the e-mail)
  widget.addEventListener("keydown", (event) => {
    if (keypad.pad.hidden || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.target === email || event.key.length !== 1 || !KEYS.includes(event.key)) return;
    event.preventDefault();
    if (event.repeat) return; // a key held down is one key, not the keyboard's auto-repeat
    press(event.key);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    keypad.keys.textContent = "";
    show("connecting", SAYS.connecting);
    const answer = await askGrant(base, target, email.value.trim());
    if (!answer.ok) {
      const why = (answer.body && answer.body.error) || "";
      show("failed", REFUSED[answer.status] || `The call could not be placed. ${why}`);
      return;
    }
    const phone = new WebPhone(answer.body, {
      audio, onChange: (p) => show(p.state, SAYS[p.state] || p.state),
    });
    widget.phone = phone;
    phone.call();
  });
  return widget;
}

// The keypad shown on a connected call only. As it appears it takes the focus, unless the
// visitor is elsewhere on the page: the "Call now" they pressed is disabled meanwhile, so
// the digits they type would otherwise go nowhere.
function showKeypad(widget, pad, connected) {
  if (pad.hidden !== connected) return;
  pad.hidden = !connected;
  const focused = document.activeElement;
  if (connected && (!focused || focused === document.body || widget.contains(focused))) {
    pad.focus();
  }
}

// For pages that drive it themselves (and the tests): the phone, the grant request and
// the widgets drawn so far.
const api = { WebPhone, askGrant, mountButton, widgets: [] };
window.ccWebCall = api;

const script = document.currentScript;
if (script && script.dataset.target) {
  const base = new URL(script.src, window.location.href).origin;
  const mount = (script.dataset.mount && document.getElementById(script.dataset.mount))
    || (() => { const node = make("div"); script.after(node); return node; })();
  api.widgets.push(mountButton(mount, {
    base, target: script.dataset.target, label: script.dataset.label || "Talk to us",
  }));
}
