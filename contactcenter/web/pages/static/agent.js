// The agent desktop: the state the platform has for this agent, the screen-pop of an
// offered call (pushed as `screen.pop`), call control (hold, mute, transfer, consult,
// conference), the call script, and the disposition after it; outbound campaigns in a
// module of their own (outbound.js).
import {
  api, clickToTalk, connectEvents, duration, el, pageData, phoneButton, reason, replace,
  serverNow, setText, startTicking, timer, wireSignOut,
} from "./common.js";
import { renderCustomer } from "./customer.js";
import {
  dispositionSaved, isCampaignCall, markCampaign, showCampaign, startOutbound,
} from "./outbound.js";
import { renderScript } from "./script.js";
import "./softphone.js"; // the phone in the browser: a panel of its own
import { isVoicemailNews, showVoicemail, startVoicemail } from "./voicemail.js";

const data = pageData();
const me = data.agent;
const LABELS = {
  logged_out: "Logged out", available: "Available", ringing: "Ringing", on_call: "On call",
  wrap_up: "Wrap-up", paused: "Paused",
};
let current = null; // the agent's state as the platform last said it
let call = null; // the call on the desktop: {call_id, queue, caller, answered, ...}
// the agent's part in a call under call control, as the platform last said it:
// {call_id, state, muted, heldSince, since, other: {kind, who, answered}, handedTo}
let talk = null;
let asking = false; // a control request is on its way: no second one meanwhile

// -- state -------------------------------------------------------------------------------

function showState(view) {
  if (current && view.since !== undefined && current.since > view.since) return; // older news
  current = { ...current, ...view };
  const badge = document.getElementById("my-state");
  badge.dataset.state = current.state;
  badge.textContent = LABELS[current.state] || current.state;
  setText("my-reason", current.state === "paused" && current.reason ? `(${current.reason})` : "");
  timer(document.getElementById("my-since"), "since", { since: current.since });
  document.body.dataset.state = current.state;
  for (const button of document.querySelectorAll(".controls button")) {
    button.setAttribute("aria-pressed", String(button.dataset.target === current.state));
  }
  followCall(current);
}

// an endpoint's news is about one phone only, and an agent may have two (a desk phone and
// the one in this page): they have a phone while either is registered, as the platform
// says in its list of agents
let phoneAsked = 0; // the latest question wins: answers may come back out of order
async function refreshPhone() {
  const asked = ++phoneAsked;
  const result = await api("GET", "/api/v1/agents");
  const mine = result.ok && result.body.agents ? result.body.agents[me] : null;
  if (mine && asked === phoneAsked) showPhone(Boolean(mine.registered));
}

function showPhone(registered) {
  const node = document.getElementById("my-phone");
  node.dataset.registered = String(registered);
  node.textContent = registered ? "registered" : "not registered: sign your phone in first";
}

async function setState(target) {
  setText("state-error", "");
  const body = { state: target };
  if (target === "paused") body.reason = document.getElementById("pause-reason").value;
  const result = await api("PUT", `/api/v1/agents/${encodeURIComponent(me)}/state`, body);
  if (result.ok) showState(result.body);
  else setText("state-error", reason(result));
}

async function loadState() {
  const result = await api("GET", "/api/v1/agents");
  const mine = result.ok && result.body.agents ? result.body.agents[me] : null;
  if (!mine) {
    setText("state-error", result.ok ? `no agent ${me} on this platform` : reason(result));
    return;
  }
  current = null;
  showState(mine);
  showPhone(mine.registered);
}

// -- the call ----------------------------------------------------------------------------

// The agent's state says which call they are on; a call that left before it was
// answered (the caller hung up, the ring timed out) leaves the desktop.
function followCall(view) {
  if (["ringing", "on_call"].includes(view.state) && view.call_id
      && (!call || call.call_id !== view.call_id)) {
    startCall({ call_id: view.call_id, queue: view.queue, time: view.since });
  }
  if (!call) return;
  if (view.state === "on_call" && view.call_id === call.call_id) markAnswered();
  if (view.state === "wrap_up") showWrapUp(view.since);
  else if (call.answered && call.wrapping) endWrapUp();
  if (["available", "paused", "logged_out"].includes(view.state) && !call.answered) clearCall();
}

function startCall(event) {
  call = { call_id: event.call_id, queue: event.queue || "", offeredAt: event.time,
           answered: false, popped: false };
  document.getElementById("idle-panel").hidden = true;
  document.getElementById("call-panel").hidden = false;
  document.getElementById("script-panel").hidden = true;
  document.getElementById("wrapup-panel").hidden = true;
  setText("call-status", "ringing");
  setText("call-queue", call.queue);
  replace("customer", el("p", { class: "muted" }, "Looking up the caller…"));
  setText("disposition-result", "");
  document.getElementById("disposition-notes").value = "";
  replace("disposition-codes");
  showHandledBefore([]);
  setText("cc-result", "");
  delete document.getElementById("cc-result").dataset.result;
  showTalk();
  showCampaign();
  // the pop is pushed with the offer; ask for it only if it has not come soon after
  const id = call.call_id;
  setTimeout(() => { if (call && call.call_id === id && !call.popped) fetchPop(id); }, 400);
}

// a page opened (or reloaded) during a call: the pop again, and the script where it is now
async function fetchPop(id) {
  const result = await api("GET", `/api/v1/calls/${encodeURIComponent(id)}/screen`);
  if (!call || call.call_id !== id || call.popped) return;
  if (!result.ok) {
    replace("customer", el("p", { class: "muted" }, "No screen-pop for this call."));
    return;
  }
  showPop(result.body);
  if (result.body.script) loadScript(id);
}

async function loadScript(id) {
  const result = await api("GET", `/api/v1/calls/${encodeURIComponent(id)}/script`);
  if (result.ok && call && call.call_id === id && result.body.view) showScript(result.body);
}

function ivrText(value) {
  if (value === null || value === undefined || value === "") return "–";
  if (Array.isArray(value)) {
    const items = value.map((item) => (item && typeof item === "object"
      ? `${item.digits ?? ""}${item.node ? ` (${item.node})` : ""}` : String(item)));
    return items.length ? items.join(" → ") : "–";
  }
  if (typeof value === "object") {
    const parts = Object.entries(value).map(([key, digits]) => `${key}: ${digits}`);
    return parts.length ? parts.join(", ") : "–";
  }
  return String(value);
}

// a web visitor's call (docs/web-calls.md): the site and page they called from, and who
// they said they were (an e-mail typed in the button's form, which the CRM may know)
function showWeb(web) {
  const box = document.getElementById("call-web");
  if (!box) return;
  box.hidden = !web;
  if (!web) return;
  setText("call-web-origin", web.origin ? `from ${web.origin}` : "from our help page");
  setText("call-web-page", web.page || "–");
  const contact = web.contact;
  setText("call-web-visitor", contact
    ? `${contact.name} (${web.email}, as the visitor gave it)`
    : web.email ? `${web.email} (as given; no contact has it)` : "anonymous");
}

function showPop(pop) {
  if (!call || pop.call_id !== call.call_id) startCall({ call_id: pop.call_id, queue: pop.queue,
                                                         time: pop.time });
  call.popped = true;
  call.queue = pop.queue || call.queue;
  call.caller = pop.caller || "";
  call.outbound = pop.direction === "outbound";
  if (pop.campaign) markCampaign(pop.call_id, pop.campaign);
  showHandledBefore(pop.handled_before || []);
  showWeb(pop.web || null);
  document.body.dataset.popAt = String(Date.now() / 1000);
  const caller = replace("call-caller", pop.caller
    ? phoneButton(pop.caller, document.getElementById("dial-result")) : "unknown");
  caller.dataset.number = pop.caller || "";
  setText("call-queue", call.queue);
  const waitNode = document.getElementById("call-wait");
  if (!call.answered && typeof pop.wait === "number") {
    timer(waitNode, "base", { base: pop.wait, at: pop.time || serverNow() });
  } else if (typeof pop.wait === "number") {
    timer(waitNode, null); setText(waitNode, `${Math.round(pop.wait)} s`);
  }
  const ivr = pop.ivr || {};
  setText("call-ivr-path", ivrText(ivr.path));
  setText("call-digits", ivrText(ivr.digits));
  if (!pop.customer && ["failed", "timed_out"].includes(pop.lookup)) {
    // the CRM could not say: the caller may well be a customer, so no new-contact form
    replace("customer", el("p", { class: "muted", id: "lookup-failed" },
      "The CRM did not answer in time: who this caller is is not known yet. ",
      el("button", { type: "button", onclick: () => reloadCustomer(pop.caller) }, "Look up again")));
  } else {
    renderCustomer(document.getElementById("customer"), pop.customer, pop.caller, {
      output: document.getElementById("dial-result"),
      reload: () => reloadCustomer(pop.caller),
    });
  }
  if (pop.script) showScript(pop.script);
  call.dispositions = pop.dispositions || null;
  showDispositions();
}

async function reloadCustomer(phone) {
  const result = await api("GET", `/api/v1/customers/lookup?phone=${encodeURIComponent(phone)}`);
  if (!result.ok && result.status !== 404) {
    replace("customer", el("p", { class: "error" }, `Lookup failed: ${reason(result)}`));
    return;
  }
  renderCustomer(document.getElementById("customer"), result.ok ? result.body : null, phone, {
    output: document.getElementById("dial-result"), reload: () => reloadCustomer(phone),
  });
}

function markAnswered(wait) {
  if (!call) return;
  call.answered = true;
  setText("call-status", "connected");
  document.getElementById("call-status").dataset.state = "on_call";
  const waitNode = document.getElementById("call-wait");
  if (typeof wait === "number") { timer(waitNode, null); setText(waitNode, `${Math.round(wait)} s`); }
  else if (waitNode.dataset.base) {
    const waited = Number(waitNode.dataset.base) + serverNow() - Number(waitNode.dataset.at);
    timer(waitNode, null); setText(waitNode, `${Math.round(waited)} s`);
  }
  if (!call.talkSince) {
    call.talkSince = current && current.state === "on_call" ? current.since : serverNow();
    timer(document.getElementById("call-timer"), "since", { since: call.talkSince });
  }
  document.getElementById("wrapup-panel").hidden = false;
  showDispositions();
  showTalk();
  if (!call.synced) { call.synced = true; syncControl(call.call_id); }
}

// where the call's control is now (a hold, a consultation): for a page opened mid-call
async function syncControl(id) {
  const result = await api("GET", `/api/v1/calls/${encodeURIComponent(id)}/control`);
  if (!call || call.call_id !== id) return;
  if (result.ok) adopt(id, result.body, null, null);
  else if (result.status === 404 && talkOf(id)) goTo("none", serverNow(), id);
  showTalk();
}

function clearCall() {
  call = null;
  showTalk();
  showCampaign();
  document.getElementById("call-panel").hidden = true;
  document.getElementById("script-panel").hidden = true;
  document.getElementById("wrapup-panel").hidden = true;
  document.getElementById("idle-panel").hidden = false;
  timer(document.getElementById("call-timer"), null);
  timer(document.getElementById("call-wait"), null);
  timer(document.getElementById("wrapup-timer"), null);
}

// -- script --------------------------------------------------------------------------------

function showScript(payload) {
  const view = payload.view || payload;
  if (!view || !view.step) return;
  document.getElementById("script-panel").hidden = false;
  setText("script-title", payload.script ? `· ${payload.script}` : "");
  setText("script-error", "");
  renderScript(view, { act: scriptAction });
  if (view.kind === "end" && view.outcome) preselect(view.outcome);
}

async function scriptAction(body) {
  if (!call) return;
  const result = await api("POST", `/api/v1/calls/${encodeURIComponent(call.call_id)}/script`,
                           body);
  if (result.ok) {
    showScript(result.body);
    if (result.body.ended && result.body.outcome) preselect(result.body.outcome);
  } else if (result.status === 409 && result.body.field === "step") {
    loadScript(call.call_id); // the script moved on meanwhile (a double click, another tab)
  } else {
    setText("script-error", reason(result));
    const field = result.body.field;
    const input = document.querySelector("#script-step [name='answer']");
    if (input && field) input.setAttribute("aria-invalid", "true");
  }
}

// -- after the call ------------------------------------------------------------------------

async function showDispositions() {
  if (!call) return;
  let codes = call.dispositions;
  if (!codes && call.queue && !call.askedCodes) {
    call.askedCodes = true;
    const result = await api("GET", `/api/v1/queues/${encodeURIComponent(call.queue)}/dispositions`);
    const body = result.ok ? result.body : {};
    codes = Array.isArray(body) ? body : body.dispositions || body.codes || body.items || [];
    // the pop's codes (a campaign's own) may have come meanwhile: they win over the queue's
    if (call && !call.dispositions) call.dispositions = codes;
    if (call) codes = call.dispositions;
  }
  if (!codes || !call) return;
  const chosen = document.querySelector("#disposition-codes input:checked")?.value
    || call.outcome;
  replace("disposition-codes", codes.map((item) => el("label", { class: "code" },
    el("input", { type: "radio", name: "disposition", value: item.code,
                  checked: item.code === chosen }),
    " ", item.label || item.code)));
  showCallbackLine();
}

// a code with `callback` (a campaign's "call back"): the time the customer agreed to
const callbackCode = (code) => Boolean(call && (call.dispositions || [])
  .find((item) => item.code === code && item.callback));

function showCallbackLine() {
  const code = document.querySelector("#disposition-codes input:checked")?.value;
  document.getElementById("callback-line").hidden = !callbackCode(code);
}

// "2026-12-08T15:00" in the browser's time zone, as ISO 8601 with its offset
function withOffset(local) {
  const when = new Date(local);
  if (Number.isNaN(when.getTime())) return null;
  const minutes = -when.getTimezoneOffset();
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  const sign = minutes >= 0 ? "+" : "-";
  return `${local.length === 16 ? `${local}:00` : local}${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

function preselect(outcome) {
  if (call) call.outcome = outcome;
  for (const input of document.querySelectorAll("#disposition-codes input")) {
    input.checked = input.value === outcome;
  }
}

function showWrapUp(since) {
  if (!call) return;
  call.wrapping = true;
  call.answered = true;
  document.getElementById("wrapup-panel").hidden = false;
  const mine = talkOf(call.call_id);
  setText("call-status", mine && mine.handedTo ? "transferred" : "ended");
  document.getElementById("call-status").dataset.state = "wrap_up";
  timer(document.getElementById("call-timer"), null);
  const queue = data.queues[call.queue];
  const node = document.getElementById("wrapup-timer");
  if (queue) timer(node, "until", { until: since + queue.wrap_up });
  else timer(node, "since", { since });
  node.title = queue ? "wrap-up time left" : "time in wrap-up";
  showDispositions();
}

function endWrapUp() {
  call.wrapping = false;
  timer(document.getElementById("wrapup-timer"), null);
  setText("wrapup-timer", "(wrap-up over)");
}

async function saveDisposition(event) {
  event.preventDefault();
  if (!call) return;
  const code = document.querySelector("#disposition-codes input:checked")?.value;
  if (!code) { setText("disposition-result", "Choose a disposition first."); return; }
  const notes = document.getElementById("disposition-notes").value;
  const body = { code, notes };
  if (callbackCode(code)) {
    body.callback_at = withOffset(document.getElementById("callback-at").value);
    if (!body.callback_at) { setText("disposition-result", "Say when to call back first."); return; }
  }
  const result = await api("POST",
    `/api/v1/calls/${encodeURIComponent(call.call_id)}/disposition`, body);
  const output = document.getElementById("disposition-result");
  output.dataset.result = result.ok ? "ok" : "refused";
  setText(output, result.ok ? "Saved." : `Not saved: ${reason(result)}`);
  if (result.ok) dispositionSaved(call.call_id);
  if (result.ok && current && !["ringing", "on_call", "wrap_up"].includes(current.state)) {
    setTimeout(() => { if (call && !call.wrapping) clearCall(); }, 1500);
  }
}

// -- handled before (a transferred call) ------------------------------------------------

function showHandledBefore(entries) {
  const box = document.getElementById("handled-before");
  box.hidden = !entries.length;
  replace("handled-before-list", entries.map((entry) => {
    const who = data.agents[entry.agent]?.name;
    return el("li", { dataset: { agent: entry.agent || "" } },
      el("span", { class: "who" }, entry.agent || "someone",
         who && who !== entry.agent ? ` (${who})` : ""),
      typeof entry.talked === "number" ? ` · talked ${duration(entry.talked)}` : "",
      " · ", el("span", { class: "disposition" },
                entry.disposition ? `disposition: ${entry.disposition}` : "no disposition yet"),
      entry.notes ? el("p", { class: "note" }, entry.notes) : "");
  }));
}

// -- call control ------------------------------------------------------------------------
// The requests each state takes (the table at the end of contactcenter/calls/control/
// core.py); the platform refuses any other with its reason, which the page shows.

const TAKES = {
  talking: ["hold", "mute", "unmute", "transfer", "consult"],
  holding: ["resume", "mute", "unmute", "transfer", "consult"],
  consulting: ["mute", "unmute", "complete", "cancel", "conference"],
  conference: ["mute", "unmute", "leave", "cancel"],
};
const DONE = {
  hold: "The caller is on hold.", resume: "The caller is back with you.",
  mute: "Your microphone is off.", unmute: "Your microphone is on.",
  complete: "Transferred: the call is theirs now.", cancel: "Consultation over.",
  conference: "All three of you are talking.", leave: "You left the call.",
};
const KINDS = {
  agent: { placeholder: "agent id, e.g. agent103", word: "agent" },
  queue: { placeholder: "queue name", word: "queue" },
  number: { placeholder: "+1 212 555 0100", word: "" },
  supervisor: { placeholder: "their phone, e.g. supervisor1", word: "" },
};

const talkOf = (callId) => (talk && talk.call_id === callId ? talk : null);
const target = (kind, name) => (KINDS[kind]?.word ? `${KINDS[kind].word} ${name}` : name);

// the talk of `callId`, made (talking, as the platform starts every call) if it is new
function talkFor(callId) {
  if (!talkOf(callId)) talk = { call_id: callId, state: "talking", muted: false };
  return talk;
}

function goTo(state, at, callId) {
  const mine = talkFor(callId);
  if (state === mine.state) return mine;
  if (mine.state === "none") { // the same call back with this agent (from a queue)
    Object.assign(mine, { handedTo: null, left: false, muted: false });
  }
  const outOfBridge = ["holding", "consulting"];
  if (outOfBridge.includes(state) && !outOfBridge.includes(mine.state)) mine.heldSince = at;
  if (!outOfBridge.includes(state)) mine.heldSince = null;
  if (state !== "consulting" && state !== "conference") mine.other = null;
  mine.state = state;
  mine.since = at;
  return mine;
}

function talkWords(mine) {
  const other = mine.other;
  switch (mine.state) {
    case "talking": return ["Talking with the caller"];
    case "holding": return ["On hold ", timerSpan(mine.heldSince)];
    case "consulting":
      if (!other) return ["Consulting"];
      return other.answered ? [`Consulting ${other.who} `, timerSpan(other.since)]
        : [`Consulting ${other.who}: ringing…`];
    case "conference":
      return [`Conference with the caller and ${other ? other.who : "a third party"} `,
        timerSpan(mine.since)];
    default:
      if (mine.left) return ["You left the conference: the call is no longer yours to control"];
      if (mine.handedTo) return [`Transferred to ${mine.handedTo}: no longer yours to control`];
      return ["Your part in the call is over"];
  }
}

const timerSpan = (since) => (typeof since === "number"
  ? el("span", { class: "timer", dataset: { since } }, duration(serverNow() - since)) : "");

function showTalk() {
  const box = document.getElementById("call-control");
  if (!call || !call.answered) { box.hidden = true; return; }
  const mine = talkFor(call.call_id);
  box.hidden = false;
  box.dataset.talk = mine.state;
  const badge = document.getElementById("talk-state");
  badge.dataset.talk = mine.state;
  badge.replaceChildren(...talkWords(mine).filter(Boolean));
  document.getElementById("talk-muted").hidden = !(mine.muted && TAKES[mine.state]);
  const takes = asking ? [] : TAKES[mine.state] || [];
  const held = mine.state === "holding";
  toggle("cc-hold", held ? "resume" : "hold", held ? "Resume" : "Hold", held, takes);
  toggle("cc-mute", mine.muted ? "unmute" : "mute", mine.muted ? "Unmute" : "Mute",
         mine.muted, takes);
  const kind = document.getElementById("cc-kind").value;
  const named = document.getElementById("cc-to").value.trim() !== "";
  // a customer the platform called waits in no queue: consult the agent, then complete
  const blind = named && !(call.outbound && ["agent", "queue"].includes(kind));
  document.getElementById("cc-transfer").disabled = !(takes.includes("transfer") && blind);
  document.getElementById("cc-consult").disabled = !(takes.includes("consult") && named
                                                    && kind !== "queue");
  const answered = Boolean(mine.other && mine.other.answered);
  document.getElementById("cc-complete").disabled = !(takes.includes("complete") && answered);
  document.getElementById("cc-conference").disabled = !(takes.includes("conference")
                                                       && answered);
  const cancel = document.getElementById("cc-cancel");
  cancel.disabled = !takes.includes("cancel");
  cancel.textContent = mine.state === "conference" && mine.other
    ? `Drop ${mine.other.who}` : "Cancel consultation";
  document.getElementById("cc-leave").disabled = !takes.includes("leave");
}

function toggle(id, action, text, pressed, takes) {
  const button = document.getElementById(id);
  button.dataset.action = action;
  button.textContent = text;
  button.setAttribute("aria-pressed", String(pressed));
  button.disabled = !takes.includes(action);
}

function showKind() {
  const kind = document.getElementById("cc-kind").value;
  const input = document.getElementById("cc-to");
  input.placeholder = KINDS[kind].placeholder;
  input.type = kind === "number" ? "tel" : "text";
  const names = kind === "agent" ? Object.keys(data.agents || {}).filter((id) => id !== me)
    : kind === "queue" ? Object.keys(data.queues || {}) : [];
  replace("cc-targets", names.map((name) => el("option", {
    value: name, label: kind === "agent" ? data.agents[name]?.name || name : name })));
  if (kind === "queue") {
    document.getElementById("cc-consult").title = "A queue cannot be consulted: transfer to it";
  } else {
    document.getElementById("cc-consult").title = "The caller on hold while you talk to them first";
  }
  showTalk();
}

async function control(action, to) {
  if (!call || asking) return;
  const id = call.call_id;
  const output = document.getElementById("cc-result");
  asking = true;
  showTalk();
  const body = to ? { action, to } : { action };
  const result = await api("POST", `/api/v1/calls/${encodeURIComponent(id)}/control`, body);
  asking = false;
  if (result.ok) {
    adopt(id, result.body, to ? target(Object.keys(to)[0], Object.values(to)[0]) : null,
          action);
    output.dataset.result = "ok";
    setText(output, to ? (action === "transfer" ? `Transferred to ${talkOf(id)?.handedTo}.`
      : `Consulting ${Object.values(to)[0]}: their phone rings.`) : DONE[action]);
  } else {
    output.dataset.result = "refused";
    setText(output, `Not done (${action}): ${reason(result)}`);
    // the page may have been behind (another tab, a lost event): the state as it is
    if ([404, 409].includes(result.status) && !result.body.field) syncControl(id);
  }
  showTalk();
}

// the call's state as the API answered it
function adopt(callId, view, to, action) {
  const mine = talkFor(callId);
  if (action === "transfer" && to) mine.handedTo = to;
  if (action === "complete" && mine.other) mine.handedTo = mine.other.who;
  if (action === "leave") mine.left = true;
  const state = view.agent === me && TAKES[view.state] ? view.state : "none";
  goTo(state, serverNow(), callId);
  mine.muted = Boolean(view.muted);
  const party = (view.parties || []).find((p) => ["consulted", "outside"].includes(p.role));
  if (party && ["consulting", "conference"].includes(state)) {
    const known = mine.other && mine.other.who === party.who ? mine.other : null;
    // (the answer's event may have come before this reply)
    const answered = party.state === "bridged" || Boolean(known && known.answered);
    mine.other = { kind: known?.kind || (to ? Object.keys(to)[0] : ""), who: party.who,
                   answered, since: known?.since ?? (answered ? serverNow() : null) };
    if (known && answered && !known.answered) mine.other.since = serverNow();
  }
}

function onControlEvent(event) {
  const id = event.call_id;
  const at = typeof event.time === "number" ? event.time : serverNow();
  const mine = () => talkFor(id);
  const output = document.getElementById("cc-result");
  switch (event.type) {
    case "agent.talk":
      if (event.state === "none" || !TAKES[event.state]) {
        if (talkOf(id)) goTo("none", at, id);
      } else {
        goTo(event.state, at, id);
      }
      break;
    case "call.held": goTo("holding", at, id); break;
    case "call.retrieved": goTo("talking", at, id); break;
    case "call.muted": mine().muted = Boolean(event.muted); break;
    case "call.consulting":
      goTo("consulting", at, id);
      mine().other = { kind: event.to_kind, who: event.to, answered: false, since: null };
      break;
    case "call.consult_answered":
      goTo("consulting", at, id);
      if (!mine().other || !mine().other.answered) {
        mine().other = { kind: event.to_kind, who: event.to, answered: true, since: at };
      }
      output.dataset.result = "ok";
      setText(output, `${event.to} answered: complete the transfer, bring the caller in `
        + "(conference), or cancel.");
      break;
    case "call.consult_ended":
      if (event.reason !== "cancelled") {
        output.dataset.result = "refused";
        setText(output, `The consultation with ${event.to} ended (${
          event.reason === "no_answer" ? "no answer" : event.reason.replace("_", " ")
        }): the caller is still on hold.`);
      }
      mine().other = null;
      break;
    case "call.conference":
      goTo("conference", at, id);
      mine().other = { kind: event.to_kind, who: event.to, answered: true, since: at };
      break;
    case "call.party_left":
      if (talkOf(id) && talk.other && event.who === talk.other.who && event.role !== "agent") {
        talk.other = null;
      }
      break;
    case "call.transferred": mine().handedTo = target(event.to_kind, event.to); break;
    case "call.transfer_refused":
      output.dataset.result = "refused";
      setText(output, `Not done (transfer): ${event.number}: ${event.reason} (${event.rule})`);
      break;
    default: return;
  }
  showTalk();
}

function wireControl() {
  const button = (id, handler) => document.getElementById(id).addEventListener("click", handler);
  button("cc-hold", (event) => control(event.currentTarget.dataset.action || "hold"));
  button("cc-mute", (event) => control(event.currentTarget.dataset.action || "mute"));
  for (const action of ["complete", "conference", "cancel", "leave"]) {
    button(`cc-${action}`, () => control(action));
  }
  const toTarget = () => {
    const kind = document.getElementById("cc-kind").value;
    const name = document.getElementById("cc-to").value.trim();
    return name ? { [kind]: name } : null;
  };
  button("cc-transfer", () => { const to = toTarget(); if (to) control("transfer", to); });
  button("cc-consult", () => { const to = toTarget(); if (to) control("consult", to); });
  document.getElementById("cc-kind").addEventListener("change", () => {
    document.getElementById("cc-to").value = "";
    showKind();
  });
  document.getElementById("cc-to").addEventListener("input", showTalk);
  document.getElementById("cc-target-form").addEventListener("submit", (event) => {
    event.preventDefault(); // Enter in the field: nothing happens without a chosen button
  });
  showKind();
}

// -- events ------------------------------------------------------------------------------

function onEvent(event) {
  if (isVoicemailNews(event)) showVoicemail();
  const mine = event.agent === me || event.endpoint === me;
  if (!mine) return;
  switch (event.type) {
    case "agent.state": showState(event); break;
    case "endpoint.state": refreshPhone(); break;
    case "call.offered": if (!call || call.call_id !== event.call_id) startCall(event); break;
    case "screen.pop": showPop(event); break;
    case "call.answered":
      if (call && call.call_id === event.call_id) markAnswered(event.wait);
      break;
    case "call.ended": // a campaign's call: the agent's seat, not the ACD, has the wrap-up
      if (call && call.call_id === event.call_id && isCampaignCall(event.call_id)
          && !call.wrapping) showWrapUp(event.time || serverNow());
      break;
    default: onControlEvent(event); break;
  }
}

function wire() {
  for (const button of document.querySelectorAll(".controls button")) {
    button.addEventListener("click", () => setState(button.dataset.target));
  }
  document.getElementById("disposition-form").addEventListener("submit", saveDisposition);
  document.getElementById("disposition-codes").addEventListener("change", showCallbackLine);
  wireControl();
  document.getElementById("dial-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const number = document.getElementById("dial-number").value.trim();
    if (number) clickToTalk(number, document.getElementById("dial-result"));
  });
  wireSignOut();
}

wire();
startTicking();
if (!me) {
  setText("state-error", "Your user is not linked to an agent: there is no desktop to show.");
  for (const button of document.querySelectorAll(".controls button")) button.disabled = true;
} else {
  connectEvents({ onEvent, onOpen: loadState });
  startVoicemail(); // the messages of their box and their queues' boxes
  startOutbound({
    me,
    callId: () => (call ? call.call_id : null),
    wrapUpOver: () => { if (call && call.wrapping) endWrapUp(); },
  });
}
