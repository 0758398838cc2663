// The agent desktop's browser phone on Twilio: the Voice JavaScript SDK's Device,
// registered for incoming calls with the access token the platform mints
// (GET /api/v1/agents/{agent}/twilio-token), behind the same small API as the SIP phone
// (src/index.js) so that the page's panel (contactcenter/web/pages/static/softphone.js)
// never sees the SDK itself. The ACD rings it at client:<agent> (<Dial><Client>).
// Built by esbuild into ../pages/static/softphone-twilio.js (`make softphone`).
//
// The SDK plays the far end's audio itself (an audio element of its own): the panel is
// told of the stream (onAudio) but must not play it a second time (`playsAudio`).
// One call at a time: the Device ignores an invite while a call is up
// (allowIncomingWhileBusy is false by default), and the ACD's ring times out.
//
// A call's end is not always told by disconnect, cancel or reject: a ringing call whose
// signalling socket drops gets only transportClose, and its status becomes "closed"
// (the SDK's Call#_onTransportClose, which sets the status after emitting). Whatever the
// call emits, a "closed" status ends it here, and a held call found closed when the next
// invite comes is dropped rather than blocking that invite.
/*! Bundled: the Twilio Voice JavaScript SDK (@twilio/voice-sdk, Copyright (c) Twilio,
 * Inc., Apache License 2.0), @twilio/voice-errors (Twilio, Inc., BSD 3-Clause),
 * events (Joyent, Inc. and other Node contributors, MIT), loglevel (Tim Perry, MIT),
 * tslib (Microsoft Corporation, 0BSD). */
import { Device } from "@twilio/voice-sdk";

// how long before the token expires the SDK asks for a new one (tokenWillExpire)
const REFRESH_BEFORE_MS = 60_000;
// the SDK waits for Twilio's answer without a limit of its own: past this, say so
const REGISTER_WITHIN_MS = 20_000;
// tokenWillExpire fires once per token: a refresh that fails is tried again after
// these waits (doubling up to the last), for as long as the token held still works
const RETRY_FIRST_MS = 2_000;
const RETRY_MOST_MS = 30_000;

// What the panel draws from, as the SIP phone gives it: registration is "off",
// "connecting", "registered", "unregistered" or "failed" (reason: the SDK's message);
// call is null or {id, state: "ringing" | "answering" | "connected", from, muted}.
function snapshot(phone) {
  const call = phone.call && {
    id: phone.call.parameters.CallSid || "",
    state: phone.answered ? "connected" : phone.answering ? "answering" : "ringing",
    from: phone.from,
    muted: phone.call.isMuted(),
  };
  return { registration: phone.registration, reason: phone.reason, detail: phone.detail,
           call: call || null };
}

// "client:agent102" for a colleague on the desktop, the caller's number otherwise
function caller(call) {
  const from = (call.parameters && call.parameters.From) || "";
  return from.replace(/^client:/, "") || "unknown";
}

// the SDK's errors are TwilioError objects: a numeric code and a message that names it
function describe(error) {
  if (!error) return "unknown error";
  const text = error.message || error.description || String(error);
  return error.code && !text.includes(String(error.code)) ? `${text} (${error.code})` : text;
}

// the signalling socket's own errors: Twilio is out of reach (31000 to 31009: the
// WebSocket failed, ended abnormally or could not send; 53000: the signalling
// connection's) — the badge says that much, the error line the SDK's words
const UNREACHABLE = new Set([31000, 31005, 31009, 53000]);

function short(error) {
  if (error && UNREACHABLE.has(error.code)) return `Twilio cannot be reached, error ${error.code}`;
  return error && error.code ? `error ${error.code}` : "";
}

export class Phone {
  // account: {token, identity, expires} from the twilio-token route; onChange(snapshot)
  // after every change, onAudio(MediaStream | null) when the far end's audio comes or
  // goes, fetchToken() -> Promise<{token}> for a fresh token before this one expires
  constructor(account, { onChange = () => {}, onAudio = () => {}, fetchToken } = {}) {
    this.account = account;
    this.onChange = onChange;
    this.onAudio = onAudio;
    this.fetchToken = fetchToken;
    this.device = null;
    this.call = null;
    this.answered = false;
    this.answering = false;
    this.from = "";
    this.registration = "off";
    this.reason = "";
    this.detail = ""; // the SDK's own words for the last failure, for the error line
    this.samples = { received: 0, sent: 0 };
    this.deadline = null;
    this.everRegistered = false;
    this.retry = null; // the timer of the next try for a fresh token
    this.warning = ""; // the detail that says a refresh failed and is being tried again
    this.callTrouble = false; // the detail is a call's error, cleared by the next call
  }

  get playsAudio() { return true; }

  get state() { return snapshot(this); }

  changed() { this.onChange(snapshot(this)); }

  setRegistration(state, reason = "", detail = "") {
    this.registration = state;
    this.reason = reason;
    this.detail = detail;
    if (state !== "connecting") this.clearDeadline();
    this.changed();
  }

  clearDeadline() {
    clearTimeout(this.deadline);
    this.deadline = null;
  }

  start() {
    if (this.device) return;
    const device = new Device(this.account.token, {
      tokenRefreshMs: REFRESH_BEFORE_MS,
      closeProtection: false, // leaving the page un-registers (the panel's pagehide)
      logLevel: "silent",
    });
    this.device = device;
    device.audio.incoming(false); // the panel rings, as it does for the SIP phone
    device.on("registering", () => this.setRegistration("connecting", this.reason, this.detail));
    device.on("registered", () => {
      this.everRegistered = true;
      this.setRegistration("registered", "", this.warning); // a refresh still tried again
    });
    device.on("unregistered", () => this.lost());
    device.on("error", (error, call) => this.failed(error, call));
    device.on("incoming", (call) => this.incoming(call));
    device.on("tokenWillExpire", () => this.refresh());
    this.setRegistration("connecting");
    this.everRegistered = false;
    this.deadline = setTimeout(() => this.notAnswered(), REGISTER_WITHIN_MS);
    device.register().catch((error) => {
      if (this.device === device) this.setRegistration("failed", short(error), describe(error));
    });
  }

  stop() {
    const device = this.device;
    if (!device) return;
    this.device = null;
    clearTimeout(this.retry);
    this.retry = null;
    this.hangup();
    device.destroy(); // un-registers and closes the signalling socket
    this.setRegistration("off");
  }

  // the Device lost its registration: a failure already said stays said, and one it
  // never had is Twilio not answering
  lost() {
    if (!this.device || this.registration === "failed") return;
    if (!this.everRegistered) {
      this.notAnswered();
      return;
    }
    this.setRegistration("unregistered", "connection lost",
                         "Twilio's signalling connection was lost; the phone reconnects.");
  }

  notAnswered() {
    this.setRegistration("failed", "Twilio did not answer", "Twilio's signalling server "
      + "did not answer the registration: it cannot be reached from this browser.");
  }

  failed(error, call) {
    if (!this.device) return;
    if (call) { // a call's own trouble: the call's events tell its end
      this.callFailed(error);
      return;
    }
    this.setRegistration("failed", short(error), describe(error));
  }

  // microphone denied (31401) or missing (31402), media failures: the Call emits them,
  // not the Device, and the call usually ends with them: the error line says why
  callFailed(error) {
    if (!this.device) return;
    this.detail = describe(error);
    this.callTrouble = true;
    this.changed();
  }

  // a fresh token before this one expires; a failed try is tried again, the phone
  // staying registered with a warning, until the token held no longer works
  async refresh(wait = RETRY_FIRST_MS) {
    const device = this.device;
    if (!device || !this.fetchToken) return;
    clearTimeout(this.retry); // tokenWillExpire again: one try at a time
    this.retry = null;
    let fresh;
    try {
      fresh = await this.fetchToken();
    } catch (error) {
      if (this.device === device) this.refreshFailed(error, wait);
      return;
    }
    if (this.device !== device) return;
    device.updateToken(fresh.token);
    if (fresh.expires) this.account = { ...this.account, expires: fresh.expires };
    this.refreshed();
  }

  refreshFailed(error, wait) {
    const words = `The platform gave no new access token: ${describe(error)}`;
    const expires = (this.account.expires || 0) * 1000;
    if (Date.now() + wait >= expires) {
      this.warning = "";
      this.setRegistration("failed", "no new access token", words);
      return;
    }
    this.warning = `${words}; trying again in ${Math.round(wait / 1000)} s.`;
    this.detail = this.warning;
    this.callTrouble = false;
    this.changed();
    this.retry = setTimeout(() => this.refresh(Math.min(wait * 2, RETRY_MOST_MS)), wait);
  }

  // updateToken on a registered Device emits no new "registered": the warning a failed
  // try left is taken back here
  refreshed() {
    if (!this.warning) return;
    const warned = this.detail === this.warning;
    this.warning = "";
    if (this.registration === "registered") this.setRegistration("registered");
    else if (warned) {
      this.detail = "";
      this.changed();
    }
  }

  incoming(call) {
    if (this.call && this.call.status() === "closed") this.ended(this.call);
    if (this.call) {
      call.reject();
      return;
    }
    this.call = call;
    this.answered = false;
    this.answering = false;
    this.from = caller(call);
    this.samples = { received: 0, sent: 0 };
    if (this.callTrouble) { // the last call's error: this call is another
      this.detail = "";
      this.callTrouble = false;
    }
    this.follow(call);
    this.changed();
  }

  // the call's events: its answer, mute, audio samples, errors and end
  follow(call) {
    call.on("accept", () => {
      this.answered = true;
      this.answering = false;
      this.onAudio(call.getRemoteStream() || null);
      this.changed();
    });
    call.on("mute", () => this.changed());
    call.on("sample", (sample) => {
      this.samples = { received: sample.totals.packetsReceived || 0,
                       sent: sample.totals.packetsSent || 0 };
    });
    call.on("error", (error) => this.callFailed(error));
    for (const name of ["disconnect", "cancel", "reject"]) call.on(name, () => this.ended(call));
    // any other event of a call the SDK has closed is its end; the status is set after
    // the event is emitted (transportClose), hence the look once the emit is over
    const closed = () => queueMicrotask(() => {
      if (call.status() === "closed") this.ended(call);
    });
    for (const name of ["transportClose", "error", "reconnecting", "warning", "sample"]) {
      call.on(name, closed);
    }
  }

  ended(call) {
    if (this.call !== call) return;
    this.call = null;
    this.answered = false;
    this.answering = false;
    this.onAudio(null);
    this.changed();
  }

  answer() {
    if (!this.call || this.answered || this.answering) return;
    this.answering = true; // until "accept": getUserMedia and ICE take a moment
    this.changed();
    this.call.accept();
  }

  hangup() {
    const call = this.call;
    if (!call) return;
    if (this.answered || this.answering) call.disconnect();
    else call.reject(); // declined while ringing: the ACD offers the call again
  }

  mute(on) {
    if (this.call && this.answered) this.call.mute(Boolean(on));
  }

  // {received, sent}: RTP packets of the call's audio so far, from the SDK's samples
  async packets() {
    return this.call ? { ...this.samples } : { received: 0, sent: 0 };
  }
}
