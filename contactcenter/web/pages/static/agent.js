// The agent desktop: the state the platform has for this agent, the screen-pop of an
// offered call (pushed as `screen.pop`), the call script, and the disposition after it.
import {
  api, clickToTalk, connectEvents, el, pageData, phoneButton, reason, replace, serverNow,
  setText, startTicking, timer, wireSignOut,
} from "./common.js";
import { renderCustomer } from "./customer.js";
import { renderScript } from "./script.js";
import "./softphone.js"; // the phone in the browser: a panel of its own

const data = pageData();
const me = data.agent;
const LABELS = {
  logged_out: "Logged out", available: "Available", ringing: "Ringing", on_call: "On call",
  wrap_up: "Wrap-up", paused: "Paused",
};
let current = null; // the agent's state as the platform last said it
let call = null; // the call on the desktop: {call_id, queue, caller, answered, ...}

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

function showPop(pop) {
  if (!call || pop.call_id !== call.call_id) startCall({ call_id: pop.call_id, queue: pop.queue,
                                                         time: pop.time });
  call.popped = true;
  call.queue = pop.queue || call.queue;
  call.caller = pop.caller || "";
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
}

function clearCall() {
  call = null;
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
    if (call) call.dispositions = codes;
  }
  if (!codes || !call) return;
  const chosen = document.querySelector("#disposition-codes input:checked")?.value
    || call.outcome;
  replace("disposition-codes", codes.map((item) => el("label", { class: "code" },
    el("input", { type: "radio", name: "disposition", value: item.code,
                  checked: item.code === chosen }),
    " ", item.label || item.code)));
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
  setText("call-status", "ended");
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
  const result = await api("POST",
    `/api/v1/calls/${encodeURIComponent(call.call_id)}/disposition`, { code, notes });
  const output = document.getElementById("disposition-result");
  output.dataset.result = result.ok ? "ok" : "refused";
  setText(output, result.ok ? "Saved." : `Not saved: ${reason(result)}`);
  if (result.ok && current && !["ringing", "on_call", "wrap_up"].includes(current.state)) {
    setTimeout(() => { if (call && !call.wrapping) clearCall(); }, 1500);
  }
}

// -- events ------------------------------------------------------------------------------

function onEvent(event) {
  const mine = event.agent === me || event.endpoint === me;
  if (!mine) return;
  switch (event.type) {
    case "agent.state": showState(event); break;
    case "endpoint.state": showPhone(Boolean(event.registered)); break;
    case "call.offered": if (!call || call.call_id !== event.call_id) startCall(event); break;
    case "screen.pop": showPop(event); break;
    case "call.answered":
      if (call && call.call_id === event.call_id) markAnswered(event.wait);
      break;
    default: break;
  }
}

function wire() {
  for (const button of document.querySelectorAll(".controls button")) {
    button.addEventListener("click", () => setState(button.dataset.target));
  }
  document.getElementById("disposition-form").addEventListener("submit", saveDisposition);
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
}
