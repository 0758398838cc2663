// The supervisor board and the wallboard: queues and agents as the platform pushes them
// (`queue.stats`, `agent.state`, `agent.talk`, `call.*`); never polled. A snapshot is read from the
// API after each (re)connection, then every event moves the figures it names.
import {
  api, connectEvents, el, pageData, reason, serverNow, setText, startTicking, timer,
  unavailable, wireSignOut,
} from "./common.js";
import { BOOKING_NEWS, showBookings } from "./bookings.js";
import { isVoicemailNews, showVoicemail, startVoicemail } from "./voicemail.js";

const data = pageData();
const wall = document.body.classList.contains("wallboard");
const STATES = new Map(data.states);
const order = (state) => [...STATES.keys()].indexOf(state);
// pauses for a call of the agent's own (one they placed, a colleague's consultation): the
// agent is on a call, and the board shows and counts them so, as the call history does
const CALL_PAUSES = new Set(data.call_pauses || []);
const shownState = (agent) => (!agent ? "logged_out"
  : agent.state === "paused" && CALL_PAUSES.has(agent.reason) ? "on_call" : agent.state);
const queues = new Map(); // name -> {stats, at}
const agents = new Map(); // id -> state view + figures
const callers = new Map(); // call id -> caller number
const engines = new Map(); // call id -> the engine carrying it (asterisk, twilio, sim)
const callQueues = new Map(); // call id -> the queue it is in (agent.state does not say)
// agent id -> their part in their call (`agent.talk`): {call_id, state, to}; only news of
// a change, so a board opened during a hold learns of it at the next change
const talks = new Map();
const TALK_SHOWN = new Set(["holding", "consulting", "conference"]);
let snapshotAt = 0;

const definition = (key) => document.getElementById(`def-${key}`)?.nextElementSibling
  ?.textContent || "";
const label = (key) => document.getElementById(`def-${key}`)?.textContent || key;
const seconds = (value) => (value === null || value === undefined ? "–" : `${Math.round(value)} s`);
const percent = (value) => (value === null || value === undefined ? "–"
  : `${Math.round(value * 100)} %`);

// -- the figures of a queue -----------------------------------------------------------

function byState(queue) {
  const counts = new Map();
  for (const id of data.queues[queue]?.members || []) {
    const state = shownState(agents.get(id));
    counts.set(state, (counts.get(state) || 0) + 1);
  }
  return counts;
}

function setWait(node, entry) {
  const { stats, at } = entry;
  if (stats.waiting > 0) timer(node, "base", { base: stats.longest_wait, at });
  else { timer(node, null); node.textContent = "0:00"; }
}

function queueCell(key, name, entry, node) {
  const stats = entry.stats;
  node.dataset.metric = key;
  node.title = definition(key);
  switch (key) {
    case "longest_wait": setWait(node, entry); break;
    case "service_level":
      node.textContent = percent(stats.service_level);
      node.title = `${definition(key)} Target: ${data.queues[name]?.target_percent ?? 80} % `
        + `within ${data.queues[name]?.target_seconds ?? 20} s.`;
      break;
    case "average_speed_of_answer": case "average_handle_time": case "expected_wait":
      node.textContent = seconds(stats[key]); break;
    case "agents_by_state":
      node.replaceChildren(...[...byState(name)].sort(([a], [b]) => order(a) - order(b))
        .map(([state, count]) => el("span", { class: "badge", dataset: { state } },
                                   `${count} ${STATES.get(state) || state}`)));
      break;
    default: node.textContent = stats[key] ?? "–";
  }
}

function queueRow(name) {
  const body = document.querySelector("#queues tbody");
  let row = body.querySelector(`tr[data-queue="${CSS.escape(name)}"]`);
  if (!row) {
    row = el("tr", { dataset: { queue: name } }, el("th", { scope: "row" }, name));
    for (const th of document.querySelectorAll("#queues thead th[data-metric]")) {
      row.append(el("td", { dataset: { metric: th.dataset.metric } }));
    }
    body.append(row);
  }
  return row;
}

function tile(name) {
  const tiles = document.getElementById("tiles");
  let node = tiles.querySelector(`[data-queue="${CSS.escape(name)}"]`);
  if (!node) {
    const figure = (key) => el("div", { class: "figure", title: definition(key) },
      el("span", { class: "value", dataset: { metric: key } }, "–"),
      el("span", { class: "label" }, label(key)));
    node = el("article", { class: "tile", dataset: { queue: name } },
      el("h2", {}, name),
      el("div", { class: "figures" }, ["waiting", "longest_wait", "service_level", "abandoned",
        "average_speed_of_answer", "answered"].map(figure)),
      el("div", { class: "states", dataset: { metric: "agents_by_state" },
                  title: definition("agents_by_state") }));
    tiles.append(node);
  }
  return node;
}

function showQueue(name) {
  const entry = queues.get(name);
  if (!entry) return;
  const holder = wall ? tile(name) : queueRow(name);
  for (const node of holder.querySelectorAll("[data-metric]")) {
    queueCell(node.dataset.metric, name, entry, node);
  }
  if (wall) {
    const sl = entry.stats.service_level;
    const target = (data.queues[name]?.target_percent ?? 80) / 100;
    holder.dataset.health = sl === null || sl === undefined ? "none" : sl >= target ? "ok" : "low";
  }
}

function showQueuesOf(agentId) {
  for (const name of data.agents[agentId]?.queues || []) showQueue(name);
}

// -- the agents -------------------------------------------------------------------------

function agentRow(id) {
  const body = document.querySelector("#agents tbody");
  let row = body.querySelector(`tr[data-agent="${CSS.escape(id)}"]`);
  if (!row) {
    const name = data.agents[id]?.name || id;
    row = el("tr", { dataset: { agent: id } },
      el("th", { scope: "row" }, name, " ", el("small", {}, `(${id})`)),
      el("td", { dataset: { metric: "state" } }),
      el("td", { dataset: { metric: "time_in_state" }, class: "timer" }),
      el("td", { dataset: { metric: "current_call" } }),
      el("td", { dataset: { metric: "calls" } }),
      el("td", { class: "monitor" }));
    body.append(row);
  }
  return row;
}

function showAgent(id) {
  if (wall) return;
  const agent = agents.get(id);
  const row = agentRow(id);
  const cell = (key) => row.querySelector(`[data-metric="${key}"]`);
  const state = shownState(agent);
  row.dataset.state = state;
  row.dataset.reason = agent.state === "paused" ? agent.reason || "" : "";
  cell("state").replaceChildren(el("span", { class: "badge", dataset: { state } },
    STATES.get(state) || state),
    agent.state === "paused" && agent.reason ? el("span", { class: "reason" },
                                                  ` ${agent.reason}`) : "",
    talkShown(id, agent));
  row.dataset.talk = row.querySelector(".talk")?.dataset.talk || "";
  timer(cell("time_in_state"), "since", { since: agent.since });
  const call = agent.call_id;
  const queue = callQueues.get(call) || (agent.queue_call === call ? agent.queue : null);
  cell("current_call").textContent = call
    ? [callers.get(call) || call, queue].filter(Boolean).join(" · ") : "–";
  const engine = call ? engines.get(call) : undefined;
  if (engine) { cell("current_call").dataset.engine = engine; cell("current_call").title = `on ${engine}`; }
  else { delete cell("current_call").dataset.engine; cell("current_call").removeAttribute("title"); }
  cell("calls").textContent = agent.calls ?? 0;
  const monitor = row.querySelector(".monitor");
  monitor.replaceChildren(...(call && agent.state === "on_call"
    ? ["listen", "whisper", "barge"].map((mode) => el("button", {
      type: "button", dataset: { mode }, title: `${mode} on ${id}'s call (your phone rings)`,
      onclick: () => monitorCall(call, mode, id) }, mode)) : []));
}

// "· holding", "· consulting agent103", "· conference with agent103" beside "On call"
function talkShown(id, agent) {
  const part = talks.get(id);
  if (!part || shownState(agent) !== "on_call" || !TALK_SHOWN.has(part.state)) return "";
  if (agent.call_id && part.call_id && agent.call_id !== part.call_id) return "";
  const words = part.state === "consulting" ? ["consulting", part.to]
    : part.state === "conference" ? ["conference", part.to && `with ${part.to}`] : [part.state];
  return el("span", { class: "talk", dataset: { talk: part.state } },
            ` · ${words.filter(Boolean).join(" ")}`);
}

function onTalk(event) {
  const known = talks.get(event.agent);
  const same = known && known.call_id === event.call_id;
  if (event.type === "agent.talk") {
    talks.set(event.agent, { call_id: event.call_id, state: event.state,
                             to: same && event.state !== "talking" ? known.to : null });
  } else { // call.consulting, call.conference: whom
    talks.set(event.agent, { call_id: event.call_id,
                             state: event.type === "call.conference" ? "conference" : "consulting",
                             to: event.to });
  }
  if (talks.size > 5000) talks.delete(talks.keys().next().value);
  if (agents.has(event.agent)) showAgent(event.agent);
}

// the supervisor's own phone, which rings to listen, whisper or barge (kept in the browser)
function myPhone() {
  const input = document.getElementById("my-phone");
  return input ? input.value.trim() : "";
}

function wirePhone() {
  const input = document.getElementById("my-phone");
  if (!input) return;
  // kept per user, and only one of their own phones (monitoring rings no other)
  const key = `cc.supervisor.phone.${data.user}`;
  const own = data.agent ? [data.agent, `${data.agent}-web`] : [];
  const kept = localStorage.getItem(key);
  input.value = own.includes(kept) ? kept : (data.agent || "");
  input.addEventListener("change", () => localStorage.setItem(key,
                                                             input.value.trim()));
}

async function monitorCall(callId, mode, agent) {
  const output = document.getElementById("monitor-result");
  const body = { mode };
  if (myPhone()) body.endpoint = myPhone();
  const result = await api("POST", `/api/v1/calls/${encodeURIComponent(callId)}/monitor`,
                           body);
  output.dataset.result = result.ok ? "ok" : "refused";
  setText(output, result.ok ? `${mode}: your phone rings, then you join ${agent}'s call.`
    : `Could not ${mode}: ${unavailable(result)
      ? "monitoring is not available on this platform" : reason(result)}`);
}

// -- snapshot and events -------------------------------------------------------------------

async function snapshot() {
  const [q, a, c] = await Promise.all([api("GET", "/api/v1/queues"), api("GET", "/api/v1/agents"),
    api("GET", "/api/v1/calls")]);
  snapshotAt = serverNow();
  if (c.ok) {
    for (const call of c.body.calls || []) {
      callers.set(call.call_id, call.caller);
      if (call.engine) engines.set(call.call_id, call.engine);
    }
  }
  if (a.ok) {
    for (const [id, view] of Object.entries(a.body.agents || {})) {
      const known = agents.get(id);
      if (!known || !(known.since > view.since)) agents.set(id, { ...view, queue_call: view.call_id });
      if (talks.has(id) && talks.get(id).call_id !== agents.get(id).call_id) talks.delete(id);
      showAgent(id);
    }
  }
  if (q.ok) {
    for (const [name, stats] of Object.entries(q.body.queues || {})) {
      queues.set(name, { stats, at: snapshotAt });
      showQueue(name);
    }
  } else {
    setText("monitor-result", `Queues unavailable: ${reason(q)}`);
  }
  await Promise.all([snapshotTalks(), showBookings()]);
  document.body.dataset.ready = "true";
}

// a board opened mid-call: each agent's part in their call now (holding, consulting...)
async function snapshotTalks() {
  const onCall = [...agents.entries()].filter(([id, view]) => view.state === "on_call"
    && view.call_id && !talks.has(id));
  await Promise.all(onCall.map(async ([id, view]) => {
    const result = await api("GET", `/api/v1/calls/${encodeURIComponent(view.call_id)}/control`);
    if (!result.ok || result.body.agent !== id || talks.has(id)) return;
    const other = (result.body.parties || []).find((p) => ["consulted", "outside"]
      .includes(p.role));
    talks.set(id, { call_id: view.call_id, state: result.body.state,
                    to: other ? other.who : null });
    showAgent(id);
  }));
}

function onEvent(event) {
  if (isVoicemailNews(event)) showVoicemail();
  if (BOOKING_NEWS.has(event.type) && (event.type !== "call.dialed" || event.origin)) {
    showBookings();
  }
  switch (event.type) {
    case "queue.stats":
      queues.set(event.queue, { stats: event, at: event.time });
      showQueue(event.queue);
      break;
    case "agent.state": {
      const known = agents.get(event.agent) || {};
      if (known.since > event.since) break; // older news than the snapshot
      agents.set(event.agent, { ...known, ...event });
      showAgent(event.agent);
      showQueuesOf(event.agent);
      break;
    }
    case "agent.talk": case "call.consulting": case "call.conference":
      if (event.agent) onTalk(event);
      break;
    case "call.arrived": case "call.dialed": case "call.resumed":
      callers.set(event.call_id, event.caller);
      if (event.engine) engines.set(event.call_id, event.engine);
      break;
    case "call.queued": case "call.offered":
      callQueues.set(event.call_id, event.queue);
      if (callQueues.size > 5000) callQueues.delete(callQueues.keys().next().value);
      break;
    case "call.answered": {
      callQueues.set(event.call_id, event.queue);
      const known = agents.get(event.agent);
      if (!known) break;
      if (event.time > snapshotAt) known.calls = (known.calls || 0) + 1; // not yet counted
      showAgent(event.agent);
      break;
    }
    case "call.ended": // the caller stays named while the agent wraps the call up
      if (callers.size > 5000) callers.delete(callers.keys().next().value);
      if (engines.size > 5000) engines.delete(engines.keys().next().value);
      break;
    default: break;
  }
}

setText("scope", data.scope ? `(${data.scope})` : "");
startVoicemail(); // the board's own list (not on the wallboard, which has no table)
wireSignOut();
wirePhone();
startTicking();
connectEvents({ types: ["queue.stats", "agent.state", "agent.talk", "call.arrived",
                        "call.dialed", "call.resumed", "call.queued", "call.offered", "call.answered", "call.ended",
                        "call.consulting", "call.conference", "callback.booked", "callback.changed",
                        "callback.refused", "voicemail.message", "voicemail.assigned",
                        "voicemail.handled", "voicemail.overdue"],
                onEvent, onOpen: snapshot });
