// The CRM pages: contacts found by name, phone or e-mail; a contact's card with their
// timeline; an account's card. Every value goes in as text (el/textContent), so a note
// holding markup shows as text. Every phone number is a click-to-talk button.
import {
  api, connectEvents, duration, el, pageData, phoneButton, reason, replace, setText,
  wireSignOut,
} from "./common.js";

const data = pageData();
const output = document.getElementById("call-result");

// -- small pieces ----------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, "0");

// an ISO time in the browser's time zone, as 2026-10-01 14:05, in a <time> element
function when(iso, className = "when") {
  if (!iso) return el("span", { class: "muted" }, "–");
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return el("span", {}, iso);
  const text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
    + ` ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return el("time", { class: className, datetime: iso, title: iso }, text);
}

// what the time is where the contact is, as " · 14:05 there now"
function localTime(zone) {
  try {
    const time = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit",
      minute: "2-digit" }).format(new Date());
    return el("span", { class: "muted" }, ` · ${time} there now`);
  } catch {
    return null; // a zone the browser does not know
  }
}

const day = (iso) => (iso ? String(iso).slice(0, 10) : "");
const fullName = (c) => `${c.first_name || ""} ${c.last_name || ""}`.trim() || "(no name)";
const contactLink = (c) => el("a", { href: `/crm/contacts/${c.id}`, class: "contact-link" },
  fullName(c));

function marks(c) {
  return [
    c.vip ? el("span", { class: "badge vip", title: "a VIP customer" }, "VIP") : null,
    c.do_not_call ? el("span", { class: "badge dnc", title: "on the do-not-call list" },
      "do not call") : null,
  ];
}

// a number: the click-to-talk button, or plain text for a user who cannot place calls
function phone(entry) {
  const kind = entry.kind ? el("small", { class: "muted" }, ` ${entry.kind}`) : null;
  const number = data.can_call ? phoneButton(entry.e164, output)
    : el("span", { class: "phone-text", title: data.no_call_reason }, entry.e164);
  return el("span", { class: "phone-entry" }, number, kind);
}

const phones = (list) => (list && list.length ? list.map(phone)
  : el("span", { class: "muted" }, "no phone"));

function facet(title, id, rows, render, empty) {
  return replace(id,
    el("h3", {}, title, " ", el("span", { class: "count" }, `(${rows.length})`)),
    rows.length ? el("ul", {}, rows.map((row) => el("li", {}, render(row))))
      : el("p", { class: "muted" }, empty));
}

function facets(card) {
  facet("Open cases", "open-cases", card.open_cases || [], (k) => [
    el("strong", {}, `#${k.id} `), k.subject,
    el("span", { class: "muted" }, ` · ${k.status} · ${k.priority}`
      + `${k.resolution_due ? ` · due ${day(k.resolution_due)}` : ""}`)], "no open case");
  facet("Open deals", "open-deals", card.open_deals || [], (d) => [
    el("strong", {}, d.name),
    el("span", { class: "muted" }, ` · ${d.stage}${d.amount ? ` · ${d.amount}` : ""}`
      + `${d.expected_close ? ` · closes ${d.expected_close}` : ""}`)], "no open deal");
  facet("Last orders", "last-orders", card.last_orders || [], (o) => [
    el("strong", {}, `#${o.id} `), `${day(o.ordered_at)} · ${o.status} · ${o.total}`],
    "no order");
}

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(Boolean).flatMap(([label, value, id]) => [
    el("dt", {}, label), el("dd", id ? { id } : {}, value)]));
}

// -- the search page -------------------------------------------------------------------

function contactRow(c, { account = true } = {}) {
  return el("tr", { dataset: { contact: String(c.id) } },
    el("th", { scope: "row" }, contactLink(c)),
    account ? el("td", {}, c.account_id
      ? el("a", { href: `/crm/accounts/${c.account_id}` }, c.account_name || `#${c.account_id}`)
      : el("span", { class: "muted" }, "–")) : null,
    el("td", { class: "phones" }, phones(c.phones)),
    el("td", {}, c.email || ""),
    el("td", { class: "marks" }, marks(c)));
}

function pageLink(label, offset, rel) {
  const query = new URLSearchParams();
  if (data.results.text) query.set("q", data.results.text);
  if (offset) query.set("offset", String(offset));
  const search = query.toString();
  return el("a", { href: `/crm/contacts${search ? `?${search}` : ""}`, rel }, label);
}

function showContacts() {
  const { items, total, limit, offset, text } = data.results;
  const matching = text ? ` matching "${text}"` : "";
  const plural = total === 1 ? "" : "s";
  let count = `${offset + 1}–${offset + items.length} of ${total} contact${plural}${matching}`;
  if (total === 0) count = text ? `No contact matches "${text}".` : "No contacts yet.";
  else if (!items.length) count = `This page is past the last: ${total} contact${plural}${matching}.`;
  setText("result-count", count);
  document.querySelector("#contacts tbody").replaceChildren(...items.map((c) => contactRow(c)));
  replace("pager",
    offset > 0 ? pageLink("← Previous", Math.max(0, offset - limit), "prev") : null,
    offset + limit < total ? pageLink("Next →", offset + limit, "next") : null);
}

// -- a contact's card ------------------------------------------------------------------

let card = data.card;
let shown = 0; // timeline entries on the page

function showContact() {
  const c = card.contact;
  const a = card.account;
  const zone = c.time_zone || (a && a.time_zone) || "";
  document.title = `${fullName(c)} · Contact center`;
  replace("contact-card",
    el("div", { class: "who" }, el("h1", { id: "contact-name" }, fullName(c)), marks(c)),
    facts([
      ["Account", a ? el("a", { href: `/crm/accounts/${a.id}` }, a.name,
        a.segment ? el("span", { class: "muted" }, ` · ${a.segment}`) : null)
        : el("span", { class: "muted" }, "–"), "contact-account"],
      ["Phones", phones(card.phones), "contact-phones"],
      ["E-mail", card.emails.length ? el("ul", { class: "plain" }, card.emails.map((e) =>
        el("li", {}, e.email, e.kind === "main" ? null : el("small", { class: "muted" },
          ` ${e.kind}`)))) : el("span", { class: "muted" }, "–"), "contact-emails"],
      ["Time zone", zone ? [zone, c.time_zone ? "" : " (the account's)", localTime(zone)]
        : "–", "contact-zone"],
      ["Language", c.language || "–"],
      ["Do not call", c.do_not_call ? "yes: calls to this person are refused" : "no",
        "contact-dnc"],
      ["VIP", c.vip ? "yes" : "no", "contact-vip"],
      ["Customer since", day(c.created_at) || "–"],
    ]));
  facets(card);
  const entries = card.timeline.items;
  document.getElementById("timeline").replaceChildren(...entries.map(entry));
  shown = entries.length;
  moreButton(card.timeline.next_offset);
}

function moreButton(next) {
  const button = document.getElementById("timeline-more");
  button.hidden = next === null || next === undefined;
  button.dataset.offset = button.hidden ? "" : String(next);
}

async function showOlder() {
  const button = document.getElementById("timeline-more");
  setText("timeline-error", "");
  const result = await api("GET", `/api/v1/contacts/${card.contact.id}/timeline`
    + `?offset=${button.dataset.offset}&limit=50`);
  if (!result.ok) {
    setText("timeline-error", reason(result));
    return;
  }
  document.getElementById("timeline").append(...result.body.items.map(entry));
  shown += result.body.items.length;
  moreButton(result.body.next_offset);
}

function entry(item) {
  const [title, body] = {
    interaction: [callTitle, callBody], case: [caseTitle, caseBody],
    activity: [activityTitle, activityBody],
  }[item.kind];
  return el("li", { class: `entry ${item.kind}`, dataset: { kind: item.kind, id: String(item.id) } },
    el("div", { class: "entry-head" }, when(item.at), " ",
      el("strong", { class: "entry-title" }, title(item)),
      item.kind === "interaction" ? el("span", { class: "muted" }, callLine(item)) : null),
    body(item));
}

function callTitle(i) {
  const what = i.channel === "voice" || !i.channel ? "call" : i.channel;
  const direction = i.direction === "outbound" ? "Outbound" : "Inbound";
  return `${direction} ${what}`;
}

const seconds = (value) => (value === null || value === undefined ? null : duration(value));

// queue, agent and outcome, as " · support · agent101 · answered"
const callLine = (i) => [i.queue, i.agent, i.outcome].filter(Boolean).map((v) => ` · ${v}`)
  .join("");

function callBody(i) {
  const number = i.direction === "outbound" ? i.dialed : i.caller;
  const details = facts([
    number ? ["Number", number] : null,
    ["Disposition", i.disposition ? el("span", { class: "disposition" }, i.disposition)
      : el("span", { class: "muted" }, "none")],
    ["Wait · talk · wrap", [seconds(i.wait_seconds), seconds(i.talk_seconds),
      seconds(i.wrap_seconds)].map((s) => s || "–").join(" · ")],
    i.ivr_path && i.ivr_path.length ? ["IVR path", i.ivr_path.join(" › ")] : null,
    i.recording ? ["Recording", el("span", { class: "recording" }, recordingNames(i))] : null,
    listen(i),
  ]);
  const answers = i.answers && Object.keys(i.answers).length
    ? el("div", { class: "answers" }, el("h4", {}, "Script answers"),
      el("dl", { class: "facts" }, Object.entries(i.answers).flatMap(([key, value]) => [
        el("dt", {}, key),
        el("dd", {}, typeof value === "object" && value !== null ? JSON.stringify(value)
          : String(value))])))
    : null;
  return [details, i.notes ? el("p", { class: "note" }, i.notes) : null, answers];
}

// The call's recordings' names: every part's for whoever may hear the call, else the
// last one's (all the timeline tells anyone else).
const recordingNames = (i) => (i.recording_parts || []).map((p) => p.name).join(", ")
  || i.recording;

// The call's recordings, for whoever may hear it (the server sends `recording_parts` to
// them alone): a player per recorded part, first to last, each named with the agent who
// had the call in it (a transferred call has one per agent), whose signed link is
// fetched only when played, or why there is none. docs/recordings.md
function listen(i) {
  const parts = i.recording_parts || (i.recording_play ? [i.recording_play] : []);
  if (!parts.length) return null;
  if (parts.length === 1) return ["Listen", hear(i, parts[0])];
  return ["Listen", el("ol", { class: "recording-parts" }, parts.map((part) =>
    el("li", { class: "recording-part", dataset: { part: String(part.part) } },
      el("span", { class: "recording-part-who" },
        `Part ${part.part}${part.agent ? ` · ${part.agent}` : ""} `),
      hear(i, part))))];
}

// One part's player, or why it has none.
function hear(i, play) {
  if (play.status !== "available") return gone(play);
  const player = el("audio", { class: "recording-player", controls: true,
    preload: "none", src: play.url, onerror: () => renew(player, i.id, play.part) });
  return player;
}

// Why a call has no player: its recording deleted by retention, or not on this server.
function gone(play) {
  const why = play.status === "deleted"
    ? `deleted by retention on ${day(play.deleted_at)}` : "not kept on this server";
  return el("span", { class: "recording-gone muted" }, why);
}

// A link lasts minutes: one that failed (expired on a page left open) is asked for
// again, at most once a minute, and the player keeps its place. A recording deleted
// (by retention) since the page was opened gives way to the reason, as on a new page.
async function renew(player, id, part) {
  const now = Date.now();
  if (now - Number(player.dataset.renewedAt || 0) < 60_000) return;
  player.dataset.renewedAt = String(now);
  const result = await api("GET", part ? `/api/v1/interactions/${id}/recordings/${part}`
    : `/api/v1/interactions/${id}/recording`);
  if (!result.ok) return;
  if (result.body.status !== "available") {
    player.replaceWith(gone(result.body));
    return;
  }
  const at = player.currentTime;
  player.src = result.body.url;
  player.currentTime = at;
}

const caseTitle = (k) => `Case #${k.id} opened: ${k.subject}`;

function caseBody(k) {
  const state = [k.status, k.priority, k.type, k.channel].filter(Boolean).join(" · ");
  const closed = k.closed_at ? ` · closed ${day(k.closed_at)}`
    : k.resolved_at ? ` · resolved ${day(k.resolved_at)}` : "";
  return [el("p", { class: "muted" }, state + closed),
    k.description ? el("p", { class: "note" }, k.description) : null];
}

const KINDS = { call: "Call", meeting: "Meeting", email: "E-mail", task: "Task", note: "Note" };
const activityTitle = (a) => `${KINDS[a.activity] || a.activity}: ${a.subject}`;

function activityBody(a) {
  const state = a.done_at ? `done ${day(a.done_at)}`
    : a.due_at ? `due ${day(a.due_at)}` : `written ${day(a.created_at)}`;
  return [el("p", { class: "muted" }, state),
    a.body ? el("p", { class: "note" }, a.body) : null];
}

// The card is read again when a call of this contact's, or of the signed-in agent's,
// moves: shortly after (a call lands in the CRM a moment after it ends), then once more.
const tracked = new Set();
let refreshes = [];

function relevant(event) {
  const numbers = new Set(card.phones.map((p) => p.e164));
  if (event.call_id && [event.caller, event.dialed, event.number].some((n) => numbers.has(n))) {
    tracked.add(event.call_id);
  }
  if (event.call_id && tracked.has(event.call_id)) return true;
  // the agent's own calls: their phone's state changes when a call ends (an agent's
  // stream does not carry the end of a call they placed)
  return Boolean(data.agent) && (event.agent === data.agent || event.endpoint === data.agent);
}

function refreshSoon() {
  for (const pending of refreshes) clearTimeout(pending);
  refreshes = [700, 3000].map((ms) => setTimeout(refresh, ms));
}

async function refresh() {
  const limit = Math.min(200, Math.max(50, shown));
  const result = await api("GET", `/api/v1/contacts/${card.contact.id}/card?limit=${limit}`);
  if (!result.ok) return;
  card = result.body;
  showContact();
  document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
}

// -- an account's card -----------------------------------------------------------------

function showAccount() {
  const a = data.card.account;
  replace("account-card",
    el("h1", { id: "account-name" }, a.name),
    facts([
      ["Segment", a.segment || "–"], ["Industry", a.industry || "–"],
      ["Time zone", a.time_zone || "–"], ["Customer since", day(a.created_at) || "–"],
    ]));
  facets(data.card);
  document.querySelector("#contacts tbody").replaceChildren(
    ...data.card.contacts.map((c) => contactRow(c, { account: false })));
  setText("more-contacts", data.card.more_contacts
    ? "The account has more contacts: search for them by name." : "");
}

// -- start -------------------------------------------------------------------------------

wireSignOut();
if (data.page === "contacts") showContacts();
if (data.page === "account") showAccount();
let opened = false;
if (data.page === "contact") {
  showContact();
  document.getElementById("timeline-more").addEventListener("click", showOlder);
}
connectEvents({
  types: data.page === "contact" ? ["call.*", "agent.state", "endpoint.state", "script.answers"]
    : ["hello"],
  onEvent: (event) => { if (data.page === "contact" && relevant(event)) refreshSoon(); },
  onOpen: () => {
    if (opened && data.page === "contact") refresh(); // what was missed while away
    opened = true;
  },
});
