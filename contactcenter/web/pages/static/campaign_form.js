// The campaigns page's form: make a dialer campaign (POST /api/v1/dialer/campaigns) or
// change one (PUT .../{name}), its list from a saved segment, the campaign's members,
// leads, or a CSV file uploaded after it is made (POST .../{name}/list). The platform
// checks everything; its reason is shown next to the field it names.
import { api, el, pageData, reason, replace, setText } from "./common.js";

const options = pageData().form || {};
const BASE = "/api/v1/dialer/campaigns";
const $ = (id) => document.getElementById(id);
let editing = null; // the campaign being changed, or null for a new one
let loaded = null; // its settings as the platform gave them (those the form lacks are kept)

const optionsOf = (values, empty) => [
  ...(empty ? [el("option", { value: "" }, empty)] : []),
  ...values.map((value) => el("option", { value }, value))];

function fill() {
  const defaults = options.retry_defaults || {}; // shown where the form is left empty
  replace("cf-mode", optionsOf(options.modes || []));
  replace("cf-queue", optionsOf(options.queues || []));
  replace("cf-agents", optionsOf(options.agents || []));
  replace("cf-script", optionsOf(options.scripts || [], "none"));
  replace("cf-leads", optionsOf(options.lead_statuses || []));
  replace("cf-retries", (options.outcomes || []).map((outcome) => el("tr", {},
    el("th", { scope: "row" }, outcome.replace("_", " ")),
    el("td", {}, el("input", { type: "number", min: "0", id: `cf-retry-${outcome}-delay`,
                               placeholder: String(defaults[outcome]?.delay ?? ""),
                               "aria-label": `${outcome}: delay in seconds` })),
    el("td", {}, el("input", { type: "number", min: "1", id: `cf-retry-${outcome}-max`,
                               placeholder: String(defaults[outcome]?.max_attempts ?? ""),
                               "aria-label": `${outcome}: attempts at most` })),
    el("td", {}, el("span", { class: "error field-error",
                              dataset: { errorFor: `retries.${outcome}` } })))));
}

async function loadSegments() {
  if (!options.can_read_segments) return;
  const result = await api("GET", "/api/v1/segments?limit=200");
  const names = result.ok ? (result.body.items || []).map((s) => s.name) : [];
  replace("cf-segment", optionsOf(names, names.length ? null : "no saved segment"));
}

function showSource() {
  const source = $("cf-source").value;
  for (const label of document.querySelectorAll("#campaign-form [data-source]")) {
    label.hidden = label.dataset.source !== source;
  }
}

function showWho() {
  const byQueue = $("cf-who-queue").checked;
  $("cf-queue").closest("label").hidden = !byQueue;
  $("cf-agents").closest("label").hidden = byQueue;
}

const number = (id) => ($(id).value === "" ? undefined : Number($(id).value));

// the form as the API's settings (fields left empty take the platform's defaults)
function settings() {
  const body = { mode: $("cf-mode").value, max_lines: number("cf-max_lines"),
                 priority: number("cf-priority"), ring_seconds: number("cf-ring_seconds"),
                 requires_consent: $("cf-consent").checked };
  const byQueue = $("cf-who-queue").checked;
  body.queue = byQueue ? $("cf-queue").value : null;
  body.agents = byQueue ? [] : [...$("cf-agents").selectedOptions].map((o) => o.value);
  body.script = $("cf-script").value || null;
  body.caller_id = $("cf-caller_id").value.trim() || null;
  body.calling_hours = $("cf-hours-start").value || $("cf-hours-end").value
    ? [$("cf-hours-start").value, $("cf-hours-end").value] : null;
  const retries = {};
  for (const outcome of options.outcomes || []) {
    const delay = number(`cf-retry-${outcome}-delay`);
    const most = number(`cf-retry-${outcome}-max`);
    if (delay !== undefined || most !== undefined) {
      retries[outcome] = { delay, max_attempts: most };
    }
  }
  body.retries = retries;
  body.machine = { action: $("cf-machine-action").value };
  if ($("cf-machine-message").value.trim()) body.machine.message = $("cf-machine-message").value.trim();
  const source = $("cf-source").value;
  body.list = source === "members" ? { members: true } : source === "upload" ? { upload: true }
    : source === "leads" ? { leads: $("cf-leads").value } : { segment: $("cf-segment").value };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

function clearErrors() {
  for (const node of document.querySelectorAll("#campaign-form .field-error")) setText(node, "");
  setText("cf-error", "");
  setText("cf-result", "");
}

// the platform's reason next to the field it names (or the nearest enclosing one)
function showError(result) {
  const field = result.body && result.body.field;
  let parts = field ? field.split(".") : [];
  while (parts.length) {
    const node = document.querySelector(
      `#campaign-form [data-error-for="${CSS.escape(parts.join("."))}"]`);
    if (node) { setText(node, reason(result)); return; }
    parts = parts.slice(0, -1);
  }
  setText("cf-error", reason(result));
}

// the CSV file as multipart/form-data, with the session's CSRF token
async function upload(name, file) {
  const form = new FormData();
  form.append("file", file);
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const response = await fetch(`${BASE}/${encodeURIComponent(name)}/list`, {
    method: "POST", body: form, credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRF-Token": csrf } });
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body };
}

function uploaded(body) {
  const bad = (body.bad || []).map((row) => el("li", { dataset: { line: row.line } },
    `line ${row.line}: ${row.reason}`));
  return [el("span", { id: "cf-loaded" },
    `List loaded: ${body.loaded} numbers` + (body.merged ? ` (${body.merged} rows merged)` : "")
    + (bad.length ? `; ${bad.length} rows left out:` : ".")),
  bad.length ? el("ul", { id: "cf-bad-rows" }, bad) : null];
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  const name = editing || $("cf-name").value.trim();
  const body = settings();
  const source = $("cf-source").value;
  const file = $("cf-file").files[0];
  if (source === "upload" && !editing && !file) {
    setText(document.querySelector('[data-error-for="file"]'), "Choose the CSV file.");
    return;
  }
  // a change keeps what the form does not show (ring time, target, codes...)
  const result = editing ? await api("PUT", `${BASE}/${encodeURIComponent(name)}`,
                                     { ...(loaded || {}), ...body })
    : await api("POST", BASE, { name, ...body });
  if (!result.ok) { showError(result); return; }
  loaded = result.body.settings;
  let done = [editing ? `Saved ${name}.` : `Made ${name}.`];
  formFor(name); // made: a file refused below is sent again by a change, not a new one
  if (source === "upload" && file) {
    const listed = await upload(name, file);
    if (!listed.ok) { replace("cf-result", done); showError(listed); return; }
    done = [...done, " ", ...uploaded(listed.body)];
    $("cf-file").value = ""; // uploaded: a later save does not send it again
  }
  replace("cf-result", done);
  $("cf-result").dataset.result = "ok";
}

function formFor(name) {
  editing = name;
  setText("campaign-form-title", name ? `Change ${name}` : "New campaign");
  setText("cf-save", name ? "Save changes" : "Create campaign");
  $("cf-name").disabled = Boolean(name);
}

// a select set to the campaign's value, offered even when its list lacks it (a segment
// removed since, or beyond those listed): a save must not lose it
function choose(id, value) {
  const select = $(id);
  if (![...select.options].some((option) => option.value === value)) {
    select.append(el("option", { value }, value));
  }
  select.value = value;
}

// the form filled with a campaign's settings, to change them
export async function edit(name) {
  const result = await api("GET", `${BASE}/${encodeURIComponent(name)}`);
  open();
  if (!result.ok) { setText("cf-error", reason(result)); return; }
  if (result.body.origin === "file") {
    setText("cf-error", `${name} is defined in the campaigns file: change it there.`);
  }
  const s = result.body.settings;
  loaded = s;
  $("cf-file").value = "";
  $("cf-name").value = name;
  formFor(name);
  $("cf-mode").value = s.mode;
  $(s.queue ? "cf-who-queue" : "cf-who-agents").checked = true;
  if (s.queue) $("cf-queue").value = s.queue;
  for (const option of $("cf-agents").options) option.selected = s.agents.includes(option.value);
  $("cf-script").value = s.script || "";
  $("cf-caller_id").value = s.caller_id || "";
  $("cf-hours-start").value = s.calling_hours ? s.calling_hours[0].slice(0, 5) : "";
  $("cf-hours-end").value = s.calling_hours ? s.calling_hours[1].slice(0, 5) : "";
  $("cf-max_lines").value = s.max_lines;
  $("cf-priority").value = s.priority;
  $("cf-ring_seconds").value = s.ring_seconds;
  $("cf-consent").checked = s.requires_consent;
  for (const [outcome, rule] of Object.entries(s.retries)) {
    $(`cf-retry-${outcome}-delay`).value = rule.delay;
    $(`cf-retry-${outcome}-max`).value = rule.max_attempts;
  }
  $("cf-machine-action").value = s.machine.action;
  $("cf-machine-message").value = s.machine.message || "";
  const list = s.list;
  $("cf-source").value = list.upload ? "upload" : list.members ? "members"
    : list.leads ? "leads" : "segment";
  if (list.segment) choose("cf-segment", list.segment);
  if (list.leads) choose("cf-leads", list.leads);
  showWho();
  showSource();
}

function open() {
  clearErrors();
  $("campaign-editor").hidden = false;
  $("campaign-editor").scrollIntoView({ block: "start" });
}

export const mayEdit = () => Boolean(options.can_edit);

export function setUpForm() {
  if (!options.can_create && !options.can_edit) return;
  fill();
  loadSegments();
  if (options.can_create) {
    $("new-campaign").hidden = false;
    $("new-campaign").addEventListener("click", () => {
      $("campaign-form").reset();
      loaded = null;
      formFor(null);
      showWho();
      showSource();
      open();
    });
  }
  $("cf-source").addEventListener("change", showSource);
  $("cf-who-queue").addEventListener("change", showWho);
  $("cf-who-agents").addEventListener("change", showWho);
  $("cf-cancel").addEventListener("click", () => { $("campaign-editor").hidden = true; });
  $("campaign-form").addEventListener("submit", save);
  showWho();
  showSource();
}
