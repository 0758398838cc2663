// Voicemail messages on the agent desktop and the supervisor board (docs/voicemail.md):
// each with its caller, their CRM contact and the time; played in the page behind a
// signed link of this user's own; taken (an agent), assigned (a supervisor) and marked
// handled with a disposition. The list is read from the API when the page starts, on
// each `voicemail.*` event the page's stream lets through, and every half minute (an
// agent's stream carries only their own box's news).
import { api, el, pageData, reason, setText } from "./common.js";

const data = pageData();
const STATUS = { new: "new", assigned: "assigned", handled: "handled" };
let dispositions = [];
let showing = false;

const when = (iso) => new Date(iso).toLocaleString(undefined, {
  weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

const seconds = (value) => (value === null || value === undefined ? "–"
  : `${Math.round(value)} s`);

function contactCell(message) {
  if (!message.contact_url) return el("td", { text: "unknown caller", class: "muted" });
  return el("td", {}, el("a", { href: message.contact_url, class: "vm-contact",
                                text: message.contact_name || `contact ${message.contact_id}` }));
}

async function play(message, cell) {
  const result = await api("GET", message.audio);
  if (!result.ok || result.body.status !== "available") {
    cell.replaceChildren(el("span", { class: "error",
      text: result.ok ? "the message's audio is not on this server" : reason(result) }));
    return;
  }
  const audio = el("audio", { controls: true, preload: "auto", src: result.body.url,
                              class: "vm-audio", dataset: { message: message.id } });
  cell.replaceChildren(audio);
  audio.play().catch(() => {}); // a browser may want a second click: the controls are there
}

async function act(message, action, body, status) {
  const result = await api("POST", `/api/v1/voicemail/${message.id}/${action}`, body);
  setText(status, result.ok ? `Message ${message.id}: ${result.body.status}` : reason(result));
  await showVoicemail();
}

function handleForm(message, status) {
  const select = el("select", { class: "vm-disposition", "aria-label": "Disposition" },
    dispositions.map((d) => el("option", { value: d.code, text: d.label })));
  const notes = el("input", { class: "vm-notes", maxlength: 2000, placeholder: "notes",
                              "aria-label": "Notes" });
  return el("form", { class: "vm-handle", onsubmit: (event) => {
    event.preventDefault();
    act(message, "handle", { disposition: select.value, notes: notes.value }, status);
  } }, select, notes, el("button", { type: "submit", text: "Handled" }));
}

function assignForm(message, status) {
  const agents = Object.keys(data.agents || {}).sort();
  const select = el("select", { class: "vm-agent", "aria-label": "Agent" },
    agents.map((id) => el("option", { value: id, text: id, selected: id === message.assignee })));
  return el("form", { class: "vm-assign", onsubmit: (event) => {
    event.preventDefault();
    act(message, "assign", { agent: select.value }, status);
  } }, select, el("button", { type: "submit", text: "Assign" }));
}

function actions(message, status) {
  if (message.status === "handled") {
    return [`${message.disposition} by ${message.handled_by}`];
  }
  const supervising = data.role === "supervisor" || data.role === "admin";
  const mine = data.agent && (message.assignee === data.agent || message.agent === data.agent);
  const parts = [];
  if (supervising) parts.push(assignForm(message, status));
  else if (!mine) {
    parts.push(el("button", { type: "button", class: "vm-take", text: "Take",
                              onclick: () => act(message, "take", {}, status) }));
  }
  if (supervising || mine) parts.push(handleForm(message, status));
  return parts;
}

function row(message, status) {
  const audioCell = el("td", { class: "vm-play" },
    el("button", { type: "button", text: "Play", class: "vm-play-button",
                   onclick: () => play(message, audioCell) }));
  const box = message.queue ? `${message.mailbox} (${message.queue})` : message.mailbox;
  const state = message.overdue ? `${STATUS[message.status]} · overdue` : STATUS[message.status];
  return el("tr", { dataset: { message: message.id, status: message.status,
                               overdue: message.overdue ? "true" : "false" },
                    class: message.overdue ? "vm-overdue" : null },
    el("td", { text: when(message.left_at), title: message.left_at }),
    el("td", { text: message.caller }), contactCell(message),
    el("td", { text: box }), el("td", { text: seconds(message.duration) }),
    el("td", { text: state, class: "vm-status" }),
    el("td", { text: message.assignee || "–" }), audioCell,
    el("td", { class: "vm-actions" }, actions(message, status)));
}

export async function showVoicemail() {
  const table = document.querySelector("#voicemail tbody");
  if (!table || showing) return;
  showing = true;
  try {
    const [open, assigned] = await Promise.all([
      api("GET", "/api/v1/voicemail?limit=100&status=new"),
      api("GET", "/api/v1/voicemail?limit=100&status=assigned")]);
    if (!open.ok || !assigned.ok) {
      setText("voicemail-empty", `Voicemail unavailable: ${reason(open.ok ? assigned : open)}`);
      return;
    }
    dispositions = open.body.dispositions || [];
    const messages = [...open.body.messages, ...assigned.body.messages]
      .sort((a, b) => (a.left_at < b.left_at ? 1 : -1));
    table.replaceChildren(...messages.map((m) => row(m, "voicemail-result")));
    setText("voicemail-empty", messages.length ? "" : "No message waits.");
    const overdue = messages.filter((m) => m.overdue).length;
    setText("voicemail-overdue", overdue ? `${overdue} overdue` : "");
    document.getElementById("voicemail").dataset.loaded = "true";
  } finally {
    showing = false;
  }
}

export const isVoicemailNews = (event) => event.type.startsWith("voicemail.")
  && event.type !== "voicemail.started" && event.type !== "voicemail.recorded";

export function startVoicemail() {
  if (!document.getElementById("voicemail")) return;
  showVoicemail();
  setInterval(showVoicemail, 30000);
}
