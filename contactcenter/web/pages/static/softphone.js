// The desktop's phone in the browser: on/off, and for each engine that rings agents in
// the browser a phone of its own (softphone-line.js): the SIP phone for Asterisk's calls,
// the Twilio one for the Twilio numbers' calls, as the page's data lists them
// (`phones`; Asterisk alone: the SIP phone only, Twilio alone: the Twilio phone only).
// One button turns them all on or off: an agent takes calls on either engine without
// knowing which number a caller dialled, so one switch leaves no phone forgotten off;
// each phone shows its own registration, so one that fails is seen. A call that rings
// on any of them rings here (or is answered by itself); its audio plays in the page.
import { pageData, setText } from "./common.js";
import { KINDS, Line } from "./softphone-line.js";

const data = pageData();
const me = data.agent;
const STORE = `softphone:${me}`; // localStorage: {on, auto}, this browser's choice
const kinds = (data.phones || ["sip"]).filter((kind) => kind in KINDS);

let lines = [];
let ringer = null;
let audioContext = null;

const $ = (id) => document.getElementById(id);

function saved() {
  try { return JSON.parse(window.localStorage.getItem(STORE)) || {}; } catch { return {}; }
}

function remember(change) {
  try { window.localStorage.setItem(STORE, JSON.stringify({ ...saved(), ...change })); } catch {
    // private browsing: the choice lasts as long as the page
  }
}

const anyOn = () => lines.some((line) => line.on);

// auto-answer takes a call only when the agent is on no other: a call that rings on one
// phone while the other's is answered (or being answered) waits for the agent's click;
// two that ring at once, the first shown is answered (its state changes at once)
const busyElsewhere = (line) => lines.some((other) => other !== line && other.last.call
                                           && other.last.call.state !== "ringing");

function turnOn() {
  remember({ on: true });
  for (const line of lines) line.start();
}

function turnOff() {
  for (const line of lines) line.stop();
  remember({ on: false });
}

// -- what the panel shows beside each phone's own part --------------------------------------

function showPanel() {
  if (!lines.length) return;
  const root = $("softphone");
  const first = lines[0].last; // the panel's phone when there is one (tests read it here)
  root.dataset.registration = first.registration;
  root.dataset.call = first.call ? first.call.state : "none";
  const toggle = $("softphone-toggle");
  const on = anyOn();
  toggle.setAttribute("aria-pressed", String(on));
  setText(toggle, on ? "Turn off" : "Turn on");
  if (lines.some((line) => line.last.call && line.last.call.state === "ringing")) startRinging();
  else stopRinging();
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
  if (!me || !kinds.length) {
    root.hidden = true;
    return;
  }
  root.dataset.phones = kinds.join(" ");
  for (const kind of Object.keys(KINDS)) $(KINDS[kind].section).hidden = !kinds.includes(kind);
  for (const name of root.querySelectorAll(".softphone-name")) name.hidden = kinds.length < 2;
  const auto = $("softphone-auto");
  lines = kinds.map((kind) => new Line(kind, me, {
    onShow: showPanel, autoAnswer: (line) => auto.checked && !busyElsewhere(line),
  }));
  for (const line of lines) line.wire();
  const choice = saved();
  auto.checked = Boolean(choice.auto);
  $("softphone-toggle").addEventListener("click", () => (anyOn() ? turnOff() : turnOn()));
  auto.addEventListener("change", (event) => {
    remember({ auto: event.target.checked });
    if (!event.target.checked) return;
    for (const line of lines) {
      if (line.last.call && line.last.call.state === "ringing") line.showCall(line.last.call);
    }
  });
  // leaving the page un-registers, so that the agent's other phone rings again
  window.addEventListener("pagehide", () => { for (const line of lines) if (line.phone) line.phone.stop(); });
  showPanel();
  if (choice.on) turnOn();
}

wire();
