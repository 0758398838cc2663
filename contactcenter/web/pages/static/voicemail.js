// Voicemail messages on the agent desktop and the supervisor board (docs/voicemail.md):
// each with its caller, their CRM contact and the time; played in the page behind a
// signed link of this user's own; taken (an agent), assigned (a supervisor) and marked
// handled with a disposition. The list is read from the API when the page starts, on
// each `voicemail.*` event the page's stream lets through (an agent's carries a
// `voicemail.notice` for each message of their queues' boxes), and every half minute as
// a fallback. "Open" lists what waits, with its count beside the title; "Handled" lists
// the handled ones, the last handled first, a page at a time, with who handled each,
// when and how.
import { api, el, pageData, reason, setText } from "./common.js";

const data = pageData();
const STATUS = { new: "new", assigned: "assigned", handled: "handled" };
const OPEN_LIMIT = 100;
const PAGE = 25;
let dispositions = [];
let showing = false;
let again = false; // news came while the list was being read: read it once more after
let view = "open"; // or "handled"
let offset = 0; // the handled list's page
let known = null; // the open messages' ids at the last read (null: none read yet)

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

const label = (code) => (dispositions.find((d) => d.code === code) || { label: code }).label;

function handledBy(message) {
  const at = message.handled_at ? when(message.handled_at) : "";
  return [el("span", { class: "vm-handled", title: message.handled_at || "",
                       text: `${label(message.disposition)} · ${message.handled_by} · ${at}` }),
          message.notes ? el("div", { class: "vm-notes-shown muted", text: message.notes })
            : null];
}

function actions(message, status) {
  if (message.status === "handled") return handledBy(message);
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
  const fresh = known !== null && message.status !== "handled" && !known.has(message.id);
  const classes = [message.overdue ? "vm-overdue" : "", fresh ? "vm-fresh" : ""];
  return el("tr", { dataset: { message: message.id, status: message.status,
                               overdue: message.overdue ? "true" : "false" },
                    class: classes.join(" ").trim() || null },
    el("td", { text: when(message.left_at), title: message.left_at }),
    el("td", { text: message.caller }), contactCell(message),
    el("td", { text: box }), el("td", { text: seconds(message.duration) }),
    el("td", { text: state, class: "vm-status" }),
    el("td", { text: message.assignee || "–" }), audioCell,
    el("td", { class: "vm-actions" }, actions(message, status)));
}

function showCount(open) {
  const badge = document.getElementById("voicemail-count");
  if (badge) {
    const count = open.length >= OPEN_LIMIT ? `${OPEN_LIMIT}+` : String(open.length);
    badge.textContent = count;
    badge.hidden = open.length === 0;
    badge.title = `${count} open message${open.length === 1 ? "" : "s"}`;
  }
  const overdue = open.filter((m) => m.overdue).length;
  setText("voicemail-overdue", overdue ? `${overdue} overdue` : "");
}

function showPages(shown) {
  const newer = document.getElementById("voicemail-newer");
  const older = document.getElementById("voicemail-older");
  if (newer) newer.hidden = view !== "handled" || offset === 0;
  if (older) older.hidden = view !== "handled" || shown < PAGE;
}

async function readList() {
  const open = await api("GET", `/api/v1/voicemail?status=open&limit=${OPEN_LIMIT}`);
  const handled = view === "handled"
    ? await api("GET", `/api/v1/voicemail?status=handled&limit=${PAGE}&offset=${offset}`)
    : open;
  const failed = [open, handled].find((answer) => !answer.ok);
  if (failed) {
    setText("voicemail-empty", `Voicemail unavailable: ${reason(failed)}`);
    return;
  }
  dispositions = open.body.dispositions || [];
  showCount(open.body.messages);
  const messages = handled.body.messages;
  const table = document.querySelector("#voicemail tbody");
  table.replaceChildren(...messages.map((m) => row(m, "voicemail-result")));
  known = new Set(open.body.messages.map((m) => m.id));
  setText("voicemail-empty", messages.length ? ""
    : view === "open" ? "No message waits." : "No handled message.");
  showPages(messages.length);
  document.getElementById("voicemail").dataset.loaded = "true";
}

export async function showVoicemail() {
  if (!document.querySelector("#voicemail tbody")) return;
  if (showing) {
    again = true;
    return;
  }
  showing = true;
  try {
    do {
      again = false;
      await readList();
    } while (again);
  } finally {
    showing = false;
  }
}

/** The Open / Handled filter and the handled list's pages, under the card's title. */
function addControls() {
  const title = document.querySelector("#voicemail-card h2");
  if (!title || document.getElementById("voicemail-filter")) return;
  title.insertBefore(el("span", { id: "voicemail-count", class: "badge vm-count",
                                  hidden: true, "aria-live": "polite" }),
                     document.getElementById("voicemail-overdue"));
  const filter = el("select", { id: "voicemail-filter", "aria-label": "Show messages",
    onchange: () => { view = filter.value; offset = 0; showVoicemail(); } },
  el("option", { value: "open", text: "Open" }),
  el("option", { value: "handled", text: "Handled" }));
  title.after(el("p", { class: "vm-filter" }, el("label", { text: "Show " }, filter)));
  const page = (step) => () => { offset = Math.max(0, offset + step); showVoicemail(); };
  document.getElementById("voicemail-empty").before(el("p", { class: "vm-pages" },
    el("button", { type: "button", id: "voicemail-newer", text: "Newer", hidden: true,
                   onclick: page(-PAGE) }),
    el("button", { type: "button", id: "voicemail-older", text: "Older", hidden: true,
                   onclick: page(PAGE) })));
}

export const isVoicemailNews = (event) => event.type.startsWith("voicemail.")
  && event.type !== "voicemail.started" && event.type !== "voicemail.recorded";

export function startVoicemail() {
  if (!document.getElementById("voicemail")) return;
  addControls();
  showVoicemail();
  setInterval(showVoicemail, 30000);
}
