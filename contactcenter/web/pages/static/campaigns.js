// The campaigns page: each outbound campaign's board, first from the API, then as the
// platform pushes it (dialer.board on /api/v1/dialer/events); Start, Pause, Resume and
// Stop, with the platform's reason when it refuses. Each figure's title is its one
// definition (the page data, the same text as the list at the bottom of the page).
// Campaign managers make and change campaigns with the form of campaign_form.js.
import { edit, mayEdit, setUpForm } from "./campaign_form.js";
import { api, connectEvents, el, pageData, reason, replace, setText, wireSignOut } from "./common.js";

const data = pageData();
const boards = new Map(); // campaign -> its last board
const STATES = { idle: "Idle", running: "Running", paused: "Paused", stopped: "Stopped" };
const SEATS = { ringing: "ringing", ready: "ready", talking: "talking", wrap_up: "wrap-up",
                paused: "paused" };
// the moves each state takes (the dialer core's table, docs/dialer.md)
const MOVES = {
  idle: ["start", "stop"], running: ["pause", "stop"], paused: ["resume", "stop"], stopped: [],
};
const BUTTONS = [["start", "Start"], ["pause", "Pause"], ["resume", "Resume"], ["stop", "Stop"]];

const percent = (value) => (typeof value === "number" ? `${(value * 100).toFixed(2)} %` : "–");
const number = (value) => (typeof value === "number" ? String(value) : "–");

// a figure's text on a board
function figure(board, key) {
  const rate = board.abandon_rate || {};
  const records = board.records || {};
  const agents = board.agents || {};
  switch (key) {
    case "state": return STATES[board.state] || board.state;
    case "strategy": return board.strategy;
    case "lines": return board.lines ? `${board.lines.busy} of ${board.lines.max}` : "–";
    case "rate_today": return percent(rate.today);
    case "rate_24h": return percent(rate.rolling_24h);
    case "rate_30d": return percent(rate.rolling_30d);
    case "target": return percent(rate.target);
    case "agents_by_state": {
      const parts = Object.entries(agents.by_state || {}).filter(([, n]) => n > 0)
        .map(([state, n]) => `${n} ${SEATS[state] || state}`);
      return parts.length ? parts.join(" · ") : "none";
    }
    case "talk_minutes_per_hour": {
      const value = agents.talk_minutes_per_hour;
      return typeof value === "number" ? value.toFixed(1) : "–";
    }
    default:
      if (key.startsWith("records_")) return number(records[key.slice("records_".length)]);
      return number(board[key]);
  }
}

// a rate over its target is flagged (the law's windows)
function over(board, key) {
  const rate = board.abandon_rate || {};
  const window = { rate_24h: rate.rolling_24h, rate_30d: rate.rolling_30d,
                   rate_today: rate.today }[key];
  return typeof window === "number" && typeof rate.target === "number" && window > rate.target;
}

function card(name) {
  const buttons = BUTTONS.map(([action, label]) => el("button", {
    type: "button", dataset: { action }, onclick: () => move(name, action) }, label));
  if (mayEdit()) {
    buttons.push(el("button", { type: "button", class: "edit", onclick: () => edit(name) },
                    "Edit"));
  }
  const groups = data.figures.map((group) => el("section", { class: "figure-group" },
    el("h3", {}, group.group),
    el("dl", { class: "figures-list" }, group.metrics.map((metric) => el("div", {
      class: "figure", dataset: { metric: metric.key } },
      el("dt", { title: metric.definition }, metric.label, " ",
         el("a", { href: `#def-${metric.key}`, class: "what", title: metric.definition,
                   "aria-label": `What ${metric.label} means` }, "?")),
      el("dd", { class: "value" }, "–"))))));
  return el("article", { class: "campaign card", dataset: { campaign: name } },
    el("h2", {}, name, " ", el("span", { class: "badge state", dataset: { state: "" } })),
    el("p", { class: "moves" }, buttons),
    el("p", { class: "error move-error", role: "alert" }),
    el("div", { class: "figure-groups" }, groups));
}

function show(board) {
  const name = board.campaign;
  boards.set(name, board);
  let node = document.querySelector(`article[data-campaign="${CSS.escape(name)}"]`);
  if (!node) {
    node = card(name);
    document.getElementById("no-campaign")?.remove();
    document.getElementById("campaigns").append(node);
  }
  node.dataset.state = board.state;
  const badge = node.querySelector(".badge.state");
  badge.dataset.state = board.state;
  badge.textContent = STATES[board.state] || board.state;
  for (const cell of node.querySelectorAll(".figure")) {
    const key = cell.dataset.metric;
    setText(cell.querySelector(".value"), figure(board, key));
    cell.dataset.over = String(over(board, key));
  }
  for (const button of node.querySelectorAll(".moves button[data-action]")) {
    button.disabled = !(MOVES[board.state] || []).includes(button.dataset.action);
  }
}

async function move(name, action) {
  const node = document.querySelector(`article[data-campaign="${CSS.escape(name)}"]`);
  const output = node.querySelector(".move-error");
  setText(output, "");
  const result = await api("POST", `/api/v1/dialer/campaigns/${encodeURIComponent(name)}/${action}`);
  if (result.ok) show(result.body);
  else setText(output, `Not done (${action}): ${reason(result)}`);
}

async function load() {
  const result = await api("GET", "/api/v1/dialer/campaigns");
  if (!result.ok) {
    setText("campaigns-error", reason(result));
    return;
  }
  setText("campaigns-error", "");
  const campaigns = result.body.campaigns || [];
  if (!campaigns.length) {
    replace("campaigns", el("p", { class: "muted", id: "no-campaign" }, "No campaign yet."));
  }
  for (const board of campaigns) show(board);
  document.body.dataset.ready = "true";
}

function onEvent(event) {
  if (event.type === "dialer.board") show(event);
  else if (event.type === "dialer.refused" && event.campaign) {
    const node = document.querySelector(`article[data-campaign="${CSS.escape(event.campaign)}"]`);
    if (node) setText(node.querySelector(".move-error"), `Refused (${event.action}): ${event.reason}`);
  } else if (["dialer.running", "dialer.paused", "dialer.stopped"].includes(event.type)) {
    const board = boards.get(event.campaign);
    if (board) show({ ...board, state: event.type.slice("dialer.".length) });
  }
}

async function start() {
  wireSignOut();
  setUpForm();
  const running = await api("GET", "/api/v1/dialer/campaigns");
  if (running.status === 404) { // a platform without the dialer: no stream to follow
    setText("campaigns-error",
            "The dialer is not running on this platform (no campaigns file in its settings).");
    return;
  }
  connectEvents({ path: "/api/v1/dialer/events", onEvent, onOpen: load });
}

start();
