// The agent desktop's browser phone: JsSIP registering to Asterisk over its SIP
// WebSocket (the `<agent>-web` PJSIP endpoint, webrtc = yes), wrapped in a small API
// so that the page's panel (contactcenter/web/pages/static/softphone.js) never sees
// JsSIP itself. Built by esbuild into ../pages/static/softphone-sip.js (`make softphone`).
//
// One call at a time: a second INVITE while a call is up is refused with 486 Busy Here,
// which the ACD takes as a ring that was not answered.
/*! Bundled, all under the MIT License: JsSIP (Copyright (c) 2012-2015 José Luis Millán -
 * Versatica), debug (Copyright (c) 2014-2017 TJ Holowaychuk), ms (Copyright (c) 2020
 * Vercel, Inc.), events (Copyright Joyent, Inc. and other Node contributors), sdp-transform
 * (Copyright (c) 2013 Eirik Albrigtsen). The license: https://opensource.org/license/mit */
import JsSIP from "jssip";

// What the panel draws from: registration is "off", "connecting", "registered",
// "unregistered" or "failed"; call is null or
// {id, state: "ringing" | "answering" | "connected", from, muted}.
function snapshot(phone) {
  const call = phone.session && {
    id: phone.session.id,
    state: phone.answered ? "connected" : phone.answering ? "answering" : "ringing",
    from: phone.from,
    muted: Boolean(phone.session.isMuted().audio),
  };
  return { registration: phone.registration, reason: phone.reason, call: call || null };
}

function caller(session) {
  const identity = session.remote_identity;
  const name = identity.display_name || "";
  const user = identity.uri ? identity.uri.user : "";
  return name && name !== user ? `${name} (${user})` : user || name || "unknown";
}

export class Phone {
  // account: {ws_url, uri, username, password, display_name}; onChange(snapshot) after
  // every change, onAudio(MediaStream | null) when the far end's audio comes or goes
  constructor(account, { onChange = () => {}, onAudio = () => {} } = {}) {
    this.account = account;
    this.onChange = onChange;
    this.onAudio = onAudio;
    this.ua = null;
    this.session = null;
    this.answered = false;
    this.answering = false;
    this.from = "";
    this.registration = "off";
    this.reason = "";
  }

  get state() { return snapshot(this); }

  changed() { this.onChange(snapshot(this)); }

  setRegistration(state, reason = "") {
    this.registration = state;
    this.reason = reason;
    this.changed();
  }

  start() {
    if (this.ua) return;
    const { ws_url: url, uri, username, password, display_name: name } = this.account;
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(url)],
      uri, authorization_user: username, password, display_name: name || undefined,
      register: true,
      register_expires: 300,
      // Asterisk drops the contact itself when the WebSocket closes; a short recovery
      // keeps a restart of Asterisk from leaving the agent without a phone for long
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 10,
      session_timers: false,
      user_agent: "contactcenter-desktop (JsSIP)",
    });
    this.ua = ua;
    this.setRegistration("connecting");
    ua.on("registered", () => this.setRegistration("registered"));
    ua.on("unregistered", () => this.setRegistration(this.ua ? "unregistered" : "off"));
    ua.on("registrationFailed", (event) => this.setRegistration("failed", event.cause || ""));
    ua.on("disconnected", () => {
      if (this.ua) this.setRegistration("connecting", "the phone server cannot be reached");
    });
    ua.on("newRTCSession", (event) => this.incoming(event));
    ua.start();
  }

  stop() {
    const ua = this.ua;
    if (!ua) return;
    this.ua = null;
    this.hangup();
    ua.stop(); // un-REGISTERs, then closes the WebSocket
    this.setRegistration("off");
  }

  incoming({ originator, session }) {
    if (originator !== "remote") return;
    if (this.session) {
      session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
      return;
    }
    this.session = session;
    this.answered = false;
    this.answering = false;
    this.from = caller(session);
    session.on("peerconnection", ({ peerconnection }) => {
      peerconnection.addEventListener("track", (track) => {
        this.onAudio(track.streams[0] || new MediaStream([track.track]));
      });
    });
    session.on("accepted", () => { this.answered = true; this.changed(); });
    session.on("confirmed", () => { this.answered = true; this.changed(); });
    session.on("muted", () => this.changed());
    session.on("unmuted", () => this.changed());
    const ended = () => {
      if (this.session !== session) return;
      this.session = null;
      this.answered = false;
      this.answering = false;
      this.onAudio(null);
      this.changed();
    };
    session.on("ended", ended);
    session.on("failed", ended);
    this.changed();
  }

  answer() {
    if (!this.session || this.answered || this.answering) return;
    this.answering = true; // until accepted: getUserMedia and ICE take a moment
    this.changed();
    this.session.answer({
      mediaConstraints: { audio: true, video: false },
      // loopback and LAN: Asterisk's host candidate is enough, no STUN or TURN to wait for
      pcConfig: { iceServers: [] },
    });
  }

  hangup() {
    if (!this.session) return;
    const session = this.session;
    if (!session.isEnded()) session.terminate();
  }

  mute(on) {
    if (!this.session || !this.answered) return;
    if (on) this.session.mute({ audio: true });
    else this.session.unmute({ audio: true });
  }

  // {received, sent}: RTP packets of the call's audio so far (0 without a call)
  async packets() {
    const connection = this.session && this.session.connection;
    const counts = { received: 0, sent: 0 };
    if (!connection) return counts;
    const report = await connection.getStats();
    report.forEach((entry) => {
      if (entry.kind !== "audio") return;
      if (entry.type === "inbound-rtp") counts.received += entry.packetsReceived || 0;
      if (entry.type === "outbound-rtp") counts.sent += entry.packetsSent || 0;
    });
    return counts;
  }
}
