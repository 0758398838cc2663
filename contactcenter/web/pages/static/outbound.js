// The agent desktop's outbound campaigns: the campaigns of the agent's queues with their
// seat in each (Join, Leave, Pause, Ready after a call), the record a preview campaign shows
// them (Dial, Skip, and the countdown after which it is dialed), and which call on the
// desktop is a campaign's. Live from /api/v1/dialer/events (dialer.seat, dialer.preview
// and the news of the agent's own dials).
import { api, connectEvents, el, reason, replace, setText, timer } from "./common.js";

const SEATS = { ringing: "Ringing", ready: "Ready", talking: "Talking", wrap_up: "Wrap-up",
                paused: "Paused" };
const MODES = { preview: "preview", progressive: "progressive", power: "power",
                predictive: "predictive" };
let me = null;
let hooks = {}; // the desktop's: callId(), campaignCallOver(callId), wrapUpOver()
const seats = new Map(); // campaign -> {campaign, campaign_state, strategy, seat}
const campaignOf = new Map(); // a campaign call's id -> its campaign
let preview = null; // the record shown now: the dialer.preview event, with its deadline
let answering = false;

const base = (name) => `/api/v1/dialer/campaigns/${encodeURIComponent(name)}`;

// -- seats -------------------------------------------------------------------------------

function seatButtons(view) {
  const name = view.campaign;
  const seat = view.seat;
  if (!seat) {
    return [el("button", { type: "button", class: "join", onclick: () => join(name) }, "Join")];
  }
  const out = [];
  if (seat.state === "wrap_up") {
    out.push(el("button", { type: "button", class: "ready", onclick: () => ready(name) },
                "Ready"));
  }
  if (["ready", "wrap_up"].includes(seat.state)) {
    out.push(el("button", { type: "button", class: "pause", title: "Stay on the line, "
      + "take no call (the reason chosen above)", onclick: () => pause(name, true) }, "Pause"));
  } else if (seat.state === "paused") {
    out.push(el("button", { type: "button", class: "unpause",
                            onclick: () => pause(name, false) }, "Take calls"));
  }
  out.push(el("button", { type: "button", class: "leave", onclick: () => leave(name) }, "Leave"));
  return out;
}

function seatItem(view) {
  const seat = view.seat;
  const state = seat ? seat.state : "none";
  const badge = el("span", { class: "badge seat", dataset: { state } },
                   seat ? SEATS[seat.state] || seat.state : "Not joined");
  const wrap = seat && seat.state === "wrap_up" && typeof seat.wrap_until === "number"
    ? el("span", { class: "timer wrap-left", title: "wrap-up time left" }) : null;
  const item = el("li", { dataset: { campaign: view.campaign, seat: state } },
    el("strong", {}, view.campaign), " ",
    el("span", { class: "muted" }, `${MODES[view.strategy] || view.strategy} · `
       + `${view.campaign_state}`), " ", badge, wrap, " ", seatButtons(view));
  if (wrap) timer(wrap, "until", { until: seat.wrap_until });
  return item;
}

function render() {
  const views = [...seats.values()].sort((a, b) => a.campaign.localeCompare(b.campaign));
  replace("campaign-seats", views.length ? views.map(seatItem)
    : el("li", { class: "muted" }, "No campaign for your queues."));
}

function showSeat(view) {
  const before = seats.get(view.campaign);
  seats.set(view.campaign, view);
  const was = before && before.seat ? before.seat.state : null;
  const now = view.seat ? view.seat.state : null;
  if (now === "talking" && view.seat.dial) markCampaign(view.seat.dial, view.campaign);
  if (was === "wrap_up" && now !== "wrap_up" && hooks.wrapUpOver) hooks.wrapUpOver();
  render();
}

async function seatMove(method, path, body, done) {
  const output = document.getElementById("outbound-result");
  const result = await api(method, path, body);
  output.dataset.result = result.ok ? "ok" : "refused";
  setText(output, result.ok ? done : `Not done: ${reason(result)}`);
  return result;
}

async function join(name) {
  const result = await seatMove("POST", `${base(name)}/seats`, {},
                                `Joining ${name}: answer your phone and keep the line open.`);
  const view = seats.get(name);
  if (result.ok && view && !view.seat) showSeat({ ...view, seat: { state: "ringing" } });
}

const leave = (name) => seatMove("DELETE", `${base(name)}/seats/${encodeURIComponent(me)}`,
                                 undefined, `Leaving ${name}: your line is hung up.`);
function pause(name, paused) {
  const path = `${base(name)}/seats/${encodeURIComponent(me)}/pause`;
  if (!paused) return seatMove("DELETE", path, undefined, `Taking ${name} calls again.`);
  const why = document.getElementById("pause-reason").value;
  return seatMove("POST", path, { reason: why }, `Paused in ${name} (${why}).`);
}

const ready = (name) => seatMove("POST", `${base(name)}/seats/${encodeURIComponent(me)}/ready`,
                                 undefined, `Ready for the next ${name} call.`);

// -- which call is a campaign's ----------------------------------------------------------

// (also from the call's screen-pop, which names its campaign)
export function markCampaign(callId, campaign) {
  campaignOf.set(callId, campaign);
  showCampaign();
}

// the call panel says so when its call is a campaign's
export function showCampaign() {
  const callId = hooks.callId ? hooks.callId() : null;
  const campaign = callId ? campaignOf.get(callId) : undefined;
  document.getElementById("call-kind").hidden = !campaign;
  setText("call-campaign", campaign ? `· ${campaign}` : "");
}

export const isCampaignCall = (callId) => campaignOf.has(callId);

// a disposition saved for a campaign call ends the agent's wrap-up in that campaign
export async function dispositionSaved(callId) {
  const campaign = campaignOf.get(callId);
  const view = campaign ? seats.get(campaign) : null;
  if (view && view.seat && view.seat.state === "wrap_up") await ready(campaign);
}

// -- preview -----------------------------------------------------------------------------

function showPreview(event) {
  preview = event;
  answering = false;
  const panel = document.getElementById("preview-panel");
  panel.hidden = false;
  panel.dataset.dialId = event.dial_id;
  setText("preview-campaign", event.campaign);
  setText("preview-number", event.number);
  setText("preview-attempt", String(event.attempt));
  setText("preview-result", "");
  timer(document.getElementById("preview-countdown"), "until", { until: event.deadline });
  setButtons(true);
  lookUp(event);
}

async function lookUp(event) {
  setText("preview-contact", "looking up…");
  const result = await api("GET", `/api/v1/customers/lookup?phone=${encodeURIComponent(event.number)}`);
  if (preview !== event) return;
  const contact = result.ok && result.body.contact;
  if (!contact) {
    setText("preview-contact", result.status === 404 || result.ok ? "not in the CRM"
      : `lookup failed: ${reason(result)}`);
    return;
  }
  const name = `${contact.first_name || ""} ${contact.last_name || ""}`.trim() || "(no name)";
  const account = result.body.account ? ` · ${result.body.account.name}` : "";
  replace("preview-contact", el("a", { href: `/crm/contacts/${contact.id}`, target: "_blank",
                                       rel: "noopener", id: "preview-contact-name" }, name),
          account, contact.do_not_call ? el("span", { class: "badge dnc" }, " do not call") : null);
}

function setButtons(enabled) {
  document.getElementById("preview-dial").disabled = !enabled;
  document.getElementById("preview-skip").disabled = !enabled;
}

function previewDone(text, keep) {
  timer(document.getElementById("preview-countdown"), null);
  setButtons(false);
  setText("preview-result", text);
  if (!keep) {
    document.getElementById("preview-panel").hidden = true;
    preview = null;
  }
}

async function answer(action) {
  if (!preview || answering) return;
  const shown = preview;
  answering = true;
  setButtons(false);
  const result = await api("POST",
    `${base(shown.campaign)}/previews/${encodeURIComponent(shown.dial_id)}/${action}`);
  answering = false;
  if (preview !== shown) return; // the next record came meanwhile
  if (result.ok) previewDone(action === "dial" ? `Dialing ${shown.number}…` : "Skipped.",
                             action === "dial");
  else if (result.status === 409) previewDone(`No longer offered: ${reason(result)}`, false);
  else { setButtons(true); setText("preview-result", `Not done: ${reason(result)}`); }
}

function onDial(event) {
  if (event.type === "dialer.answered" && event.human && event.agent === me) {
    markCampaign(event.dial_id, event.campaign);
  }
  if (!preview || event.dial_id !== preview.dial_id) return;
  if (event.type === "dialer.attempt") previewDone(`Dialing ${preview.number}…`, true);
  else if (event.type === "dialer.answered") previewDone("", false);
  else if (event.type === "dialer.ended") {
    const outcome = event.outcome.replace("_", " ");
    previewDone(`${preview.number}: ${outcome}.`, !["skipped", "cancelled"].includes(event.outcome));
  }
}

function onEvent(event) {
  switch (event.type) {
    case "dialer.seat": showSeat(event); break;
    case "dialer.preview": if (event.agent === me) showPreview(event); break;
    default: onDial(event);
  }
}

async function load(hello) {
  if (hello && typeof hello.preview_seconds === "number") {
    setText("preview-seconds", String(hello.preview_seconds));
  }
  const result = await api("GET", "/api/v1/dialer/seats/mine");
  if (!result.ok) {
    replace("campaign-seats", el("li", { class: "muted" }, reason(result)));
    return;
  }
  seats.clear();
  for (const view of result.body.campaigns || []) showSeat(view);
  render();
  setText("preview-seconds", String(result.body.preview_seconds));
  const shown = (result.body.previews || []).at(-1);
  if (shown && (!preview || preview.dial_id !== shown.dial_id)) showPreview(shown);
  document.getElementById("outbound").dataset.ready = "true";
}

export async function startOutbound(options) {
  me = options.me;
  hooks = options;
  document.getElementById("preview-dial").addEventListener("click", () => answer("dial"));
  document.getElementById("preview-skip").addEventListener("click", () => answer("skip"));
  const running = await api("GET", "/api/v1/dialer/seats/mine");
  if (running.status === 404) { // a platform without the dialer: no stream to follow
    document.getElementById("outbound").hidden = true;
    return;
  }
  connectEvents({ path: "/api/v1/dialer/events", indicator: false, onEvent, onOpen: load });
}
