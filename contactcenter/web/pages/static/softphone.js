// The desktop's phone in the browser: on/off, its registration, an incoming call that
// rings with answer and hang-up buttons (or is answered by itself), mute, and the far
// end's audio in an <audio> element. The SIP side is softphone-sip.js (JsSIP, built by
// `make softphone`), loaded only when the phone is turned on: the desktop works without
// it, with a desk or soft SIP phone. The account comes from
// GET /api/v1/agents/{agent}/softphone; every text from data goes in as textContent.
import { api, pageData, reason, setText } from "./common.js";

const me = pageData().agent;
const STORE = `softphone:${me}`; // localStorage: {on, auto}, this browser's choice
const LABELS = {
  off: "off", connecting: "connecting…", registered: "registered",
  unregistered: "not registered", failed: "registration failed",
};
const CALL_LABELS = { ringing: "Incoming call", answering: "Answering…", connected: "Connected" };

let phone = null;
let last = { registration: "off", call: null };
let ringer = null;
let audioContext = null;
let mediaTimer = null;
let autoAnswered = null; // the id of the call answered by itself

const $ = (id) => document.getElementById(id);

function saved() {
  try { return JSON.parse(window.localStorage.getItem(STORE)) || {}; } catch { return {}; }
}

function remember(change) {
  try { window.localStorage.setItem(STORE, JSON.stringify({ ...saved(), ...change })); } catch {
    // private browsing: the choice lasts as long as the page
  }
}

// -- on and off ---------------------------------------------------------------------------

async function turnOn() {
  setText("softphone-error", "");
  show({ registration: "connecting", call: null });
  const result = await api("GET", `/api/v1/agents/${encodeURIComponent(me)}/softphone`);
  if (!result.ok) {
    show({ registration: "off", call: null });
    setText("softphone-error", `The phone cannot start: ${reason(result)}`);
    return;
  }
  let sip;
  try {
    sip = await import("./softphone-sip.js");
  } catch {
    show({ registration: "off", call: null });
    setText("softphone-error", "The phone's SIP library is missing on the server (make softphone).");
    return;
  }
  if (phone || last.registration === "off") return; // turned on twice, or off, meanwhile
  phone = new sip.Phone(result.body, { onChange: show, onAudio: play });
  phone.start();
  remember({ on: true });
}

function turnOff() {
  if (phone) phone.stop();
  phone = null;
  show({ registration: "off", call: null });
  remember({ on: false });
}

// -- what the page shows --------------------------------------------------------------------

function show(state) {
  last = state;
  const root = $("softphone");
  root.dataset.registration = state.registration;
  const badge = $("softphone-status");
  badge.dataset.registration = state.registration;
  setText(badge, `${LABELS[state.registration] || state.registration}`
                 + (state.reason ? ` (${state.reason})` : ""));
  const toggle = $("softphone-toggle");
  toggle.setAttribute("aria-pressed", String(state.registration !== "off"));
  setText(toggle, state.registration === "off" ? "Turn on" : "Turn off");
  showCall(state.call);
}

function showCall(call) {
  const root = $("softphone");
  root.dataset.call = call ? call.state : "none";
  $("softphone-call").hidden = !call;
  if (!call) {
    stopRinging();
    watchMedia(false);
    autoAnswered = null;
    return;
  }
  const badge = $("softphone-call-state");
  badge.dataset.state = call.state === "connected" ? "on_call" : "ringing";
  setText(badge, CALL_LABELS[call.state] || call.state);
  setText("softphone-from", call.from);
  $("softphone-answer").hidden = call.state !== "ringing";
  const mute = $("softphone-mute");
  mute.hidden = call.state !== "connected";
  mute.setAttribute("aria-pressed", String(call.muted));
  setText(mute, call.muted ? "Unmute" : "Mute");
  setText("softphone-hangup", call.state === "connected" ? "Hang up" : "Decline");
  if (call.state === "ringing") startRinging();
  else stopRinging();
  watchMedia(call.state === "connected");
  if (call.state === "ringing" && $("softphone-auto").checked && autoAnswered !== call.id) {
    autoAnswered = call.id;
    phone.answer();
  }
}

function play(stream) {
  const audio = $("softphone-audio");
  audio.srcObject = stream;
  if (stream) audio.play().catch(() => {}); // autoplay refused: the call goes on, unheard
}

// RTP packets in and out, once a second: the agent (and a test) can see audio flows
function watchMedia(on) {
  if (!on) {
    clearInterval(mediaTimer);
    mediaTimer = null;
    return;
  }
  if (mediaTimer) return;
  const node = $("softphone-media");
  const update = async () => {
    if (!phone) return;
    const counts = await phone.packets();
    node.dataset.received = String(counts.received);
    node.dataset.sent = String(counts.sent);
    setText(node, `Audio: ${counts.received} packets in, ${counts.sent} out`);
  };
  update();
  mediaTimer = setInterval(update, 1000);
}

// -- the ring: 440 + 480 Hz, 2 s on and 4 s off (the North American ring), made here ----

function startRinging() {
  if (ringer) return;
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  audioContext = audioContext || new Context();
  const context = audioContext;
  const gain = context.createGain();
  gain.gain.value = 0;
  gain.connect(context.destination);
  const tones = [440, 480].map((frequency) => {
    const tone = context.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start();
    return tone;
  });
  const ring = () => {
    const now = context.currentTime;
    gain.gain.setValueAtTime(0.08, now);
    gain.gain.setValueAtTime(0, now + 2);
  };
  ring();
  const timer = setInterval(ring, 6000);
  ringer = () => {
    clearInterval(timer);
    for (const tone of tones) tone.stop();
    gain.disconnect();
  };
}

function stopRinging() {
  if (ringer) ringer();
  ringer = null;
}

// -- wiring --------------------------------------------------------------------------------

function wire() {
  const root = $("softphone");
  if (!root) return;
  if (!me) {
    root.hidden = true;
    return;
  }
  const choice = saved();
  $("softphone-auto").checked = Boolean(choice.auto);
  $("softphone-toggle").addEventListener("click", () => (phone || last.registration !== "off"
    ? turnOff() : turnOn()));
  $("softphone-auto").addEventListener("change", (event) => {
    remember({ auto: event.target.checked });
    if (event.target.checked && last.call && last.call.state === "ringing") showCall(last.call);
  });
  $("softphone-answer").addEventListener("click", () => phone && phone.answer());
  $("softphone-hangup").addEventListener("click", () => phone && phone.hangup());
  $("softphone-mute").addEventListener("click", () => {
    if (phone && last.call) phone.mute(!last.call.muted);
  });
  // leaving the page un-registers, so that the agent's other phone rings again
  window.addEventListener("pagehide", () => { if (phone) phone.stop(); });
  show(last);
  if (choice.on) turnOn();
}

wire();
