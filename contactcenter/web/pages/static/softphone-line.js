// One of the desktop's browser phones, as its part of the panel shows it: the SIP phone
// (Asterisk's calls; softphone-sip.js) or the Twilio one (the Twilio numbers' calls;
// softphone-twilio.js), each with its own registration badge, ringing call, buttons,
// error line and audio. Both bundles give the same Phone API (constructor(account,
// {onChange, onAudio, fetchToken}), start, stop, answer, hangup, mute, packets); a
// bundle is loaded only when the phone is turned on. Every text from data goes in as
// textContent.
import { api, reason, setText } from "./common.js";

const LABELS = {
  off: "off", connecting: "connecting…", registered: "registered",
  unregistered: "not registered", failed: "registration failed",
};
const CALL_LABELS = { ringing: "Incoming call", answering: "Answering…", connected: "Connected" };
const PARTS = ["status", "call", "call-state", "from", "answer", "mute", "hangup", "media",
               "error", "audio"];

// what each phone loads: its bundle and where its account comes from
export const KINDS = {
  sip: {
    prefix: "softphone", section: "softphone-sip", module: "./softphone-sip.js",
    account: (agent) => `/api/v1/agents/${encodeURIComponent(agent)}/softphone`,
    missing: "The phone's SIP library is missing on the server (make softphone).",
  },
  twilio: {
    prefix: "softphone-twilio", section: "softphone-twilio", module: "./softphone-twilio.js",
    account: (agent) => `/api/v1/agents/${encodeURIComponent(agent)}/twilio-token`,
    missing: "The Twilio phone's library is missing on the server (make softphone).",
  },
};

async function load(path) {
  try { return await import(path); } catch { return null; }
}

export class Line {
  // kind: a key of KINDS; onShow(line) after every change, for the panel's own parts;
  // autoAnswer(line): whether this line's ringing call may be answered by itself now
  constructor(kind, agent, { onShow = () => {}, autoAnswer = () => false } = {}) {
    this.kind = KINDS[kind];
    this.agent = agent;
    this.onShow = onShow;
    this.autoAnswer = autoAnswer;
    this.phone = null;
    this.wanted = false; // on, or turning on: a turn-off meanwhile cancels the start
    this.last = { registration: "off", reason: "", call: null };
    this.mediaTimer = null;
    this.autoAnswered = null; // the id of the call answered by itself
    this.node = {};
    for (const part of PARTS) this.node[part] = document.getElementById(`${this.kind.prefix}-${part}`);
    this.section = document.getElementById(this.kind.section);
  }

  get on() { return this.wanted || this.last.registration !== "off"; }

  wire() {
    this.node.answer.addEventListener("click", () => this.phone && this.phone.answer());
    this.node.hangup.addEventListener("click", () => this.phone && this.phone.hangup());
    this.node.mute.addEventListener("click", () => {
      if (this.phone && this.last.call) this.phone.mute(!this.last.call.muted);
    });
    this.show(this.last);
  }

  async start() {
    if (this.wanted) return;
    this.wanted = true;
    this.error("");
    this.show({ registration: "connecting", call: null });
    const path = this.kind.account(this.agent);
    const result = await api("GET", path);
    if (!result.ok) return this.abort(`The phone cannot start: ${reason(result)}`);
    const bundle = await load(this.kind.module);
    if (!bundle) return this.abort(this.kind.missing);
    if (!this.wanted || this.phone) return; // turned off, or on twice, meanwhile
    const fetchToken = async () => {
      const fresh = await api("GET", path);
      if (!fresh.ok) throw new Error(reason(fresh));
      return fresh.body;
    };
    this.phone = new bundle.Phone(result.body, {
      onChange: (state) => this.show(state), onAudio: (stream) => this.play(stream), fetchToken,
    });
    this.phone.start();
  }

  abort(message) {
    this.wanted = false;
    this.show({ registration: "off", call: null });
    this.error(message);
  }

  stop() {
    this.wanted = false;
    if (this.phone) this.phone.stop();
    this.phone = null;
    this.show({ registration: "off", call: null });
  }

  error(text) { setText(this.node.error, text); }

  show(state) {
    this.last = state;
    this.section.dataset.registration = state.registration;
    const badge = this.node.status;
    badge.dataset.registration = state.registration;
    setText(badge, `${LABELS[state.registration] || state.registration}`
                   + (state.reason ? ` (${state.reason})` : ""));
    if ("detail" in state) this.error(state.detail || ""); // a phone that words its failures
    this.showCall(state.call);
    this.onShow(this);
  }

  showCall(call) {
    const node = this.node;
    this.section.dataset.call = call ? call.state : "none";
    node.call.hidden = !call;
    if (!call) {
      this.watchMedia(false);
      this.autoAnswered = null;
      return;
    }
    node["call-state"].dataset.state = call.state === "connected" ? "on_call" : "ringing";
    setText(node["call-state"], CALL_LABELS[call.state] || call.state);
    setText(node.from, call.from);
    node.answer.hidden = call.state !== "ringing";
    node.mute.hidden = call.state !== "connected";
    node.mute.setAttribute("aria-pressed", String(call.muted));
    setText(node.mute, call.muted ? "Unmute" : "Mute");
    setText(node.hangup, call.state === "connected" ? "Hang up" : "Decline");
    this.watchMedia(call.state === "connected");
    if (call.state === "ringing" && this.autoAnswered !== call.id && this.autoAnswer(this)) {
      this.autoAnswered = call.id;
      this.phone.answer();
    }
  }

  // the far end's audio; a phone whose library plays it itself is only shown it
  play(stream) {
    const audio = this.node.audio;
    audio.dataset.stream = stream ? "on" : "off";
    if (this.phone && this.phone.playsAudio) return;
    audio.srcObject = stream;
    if (stream) audio.play().catch(() => {}); // autoplay refused: the call goes on, unheard
  }

  // RTP packets in and out, once a second: the agent (and a test) can see audio flows
  watchMedia(on) {
    if (!on) {
      clearInterval(this.mediaTimer);
      this.mediaTimer = null;
      return;
    }
    if (this.mediaTimer) return;
    const node = this.node.media;
    const update = async () => {
      if (!this.phone) return;
      const counts = await this.phone.packets();
      node.dataset.received = String(counts.received);
      node.dataset.sent = String(counts.sent);
      setText(node, `Audio: ${counts.received} packets in, ${counts.sent} out`);
    };
    update();
    this.mediaTimer = setInterval(update, 1000);
  }
}
