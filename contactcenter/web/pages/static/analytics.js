// /analytics: the contact center's history by interval and queue (or agent), and one day's
// forecast and staffing, each drawn as charts and a table from the same JSON rows; the
// "Download CSV" links ask the same routes with format=csv.
import { Chart, chartData } from "./charts.js";
import { api, connectEvents, pageData, reason, wireSignOut } from "./common.js";
import { chartBox, figureChart, fillTable, say } from "./analytics_charts.js";

const data = pageData();
const figure = (key) => data.figures[key] || data.staffing_figures[key] || { label: key };
const label = (key) => figure(key).label;
const column = (key) => [key, label(key), figure(key).definition];

function historyQuery(format) {
  const form = new FormData(document.getElementById("history-form"));
  const query = new URLSearchParams();
  for (const name of ["from", "to", "interval", "by", "queue"]) {
    const value = form.get(name);
    if (value) query.set(name, value);
  }
  if (format) query.set("format", format);
  return query;
}

// figures that count something: a bucket without calls has none of it (0); a rate or
// an average over no calls is no figure (a gap)
const COUNTED = new Set(["offered", "answered", "abandoned", "short_abandoned", "other",
  "answered_within", "handle_seconds", "handle_share", "first_contact_resolved",
  "busy_seconds", "available_seconds", "paused_seconds", "staffed_seconds"]);

// the intervals' widths and where they are counted from, as crm_core/metrics/buckets.py
// has them in UTC: weeks start on Monday 00:00 (1970-01-05), the others at the epoch
const WIDTHS = { "15min": 900, "30min": 1800, hour: 3600, day: 86400, week: 604800 };
const MONDAY = 4 * 86400;

// every bucket of the answer's period, named as its rows name their starts: a bucket
// without calls keeps its place on the axis. The answer lists them (in its zone, whose
// days may be 23 or 25 hours); one without the list is UTC's, worked out here.
function buckets(body) {
  if (Array.isArray(body.buckets)) return body.buckets;
  const width = WIDTHS[body.interval] * 1000;
  const origin = body.interval === "week" ? MONDAY * 1000 : 0;
  const from = Date.parse(body.from), to = Date.parse(body.to);
  const starts = [];
  for (let t = origin + Math.floor((from - origin) / width) * width; t < to; t += width) {
    starts.push(`${new Date(t).toISOString().slice(0, 19)}+00:00`);
  }
  return starts;
}

// one dataset per queue (or agent), aligned on every bucket of the period
function series(rows, figure, labels) {
  const keys = [...new Set(rows.map((row) => row.key))].sort();
  const at = new Map(rows.map((row) => [`${row.key}|${row.start}`, row[figure]]));
  const none = COUNTED.has(figure) ? 0 : null;
  return {
    labels,
    series: keys.map((key) => ({ label: key, data: labels.map((start) => {
      const value = at.get(`${key}|${start}`);
      return value === undefined ? none : value;
    }) })),
  };
}

function drawHistory(rows, labels) {
  const grid = document.getElementById("history-charts");
  grid.replaceChildren();
  for (const [figure, kind, unit] of data.charts) {
    const { box, canvas } = chartBox(`chart-${figure}`, label(figure));
    grid.append(box);
    figureChart(canvas, { title: label(figure), kind, unit, ...series(rows, figure, labels) });
  }
  const columns = [["key", data.by === "agent" ? "Agent" : "Queue"],
    ["start", `From (${data.zone || "UTC"})`],
    ...Object.keys(data.figures).map(column)];
  fillTable(document.getElementById("history-table"), columns, rows);
}

// Each picker's answers are told apart by the order they were asked in: one that comes
// back after a later choice's is dropped, or it would be drawn over the figures asked for.
const asked = { history: 0, staffing: 0 };

// how many history answers the page has taken in, drawn or dropped (tests wait on it)
function answered() {
  const body = document.body.dataset;
  body.historyAnswers = String(Number(body.historyAnswers || 0) + 1);
}

// a refusal's CSV would be the refusal itself, saved as a file: no link until a new answer
function clearHistory() {
  document.getElementById("history-csv").removeAttribute("href");
  document.getElementById("history-charts").replaceChildren();
  const table = document.getElementById("history-table");
  table.tHead.replaceChildren();
  table.tBodies[0].replaceChildren();
}

async function loadHistory() {
  const query = historyQuery();
  const mine = ++asked.history;
  say("history-status", "Reading the call history…", "loading");
  const csv = `/api/v1/analytics/calls?${historyQuery("csv")}`;
  const result = await api("GET", `/api/v1/analytics/calls?${query}`);
  answered();
  if (mine !== asked.history) return;
  if (!result.ok) {
    clearHistory();
    say("history-status", `Not shown: ${reason(result)}`, "error");
    return;
  }
  const rows = result.body.rows;
  data.by = result.body.by;
  data.zone = result.body.time_zone || "UTC";
  document.getElementById("history-csv").href = csv;
  drawHistory(rows, buckets(result.body));
  say("history-status", rows.length ? `${rows.length} rows, ${result.body.interval} by `
    + `${result.body.by}, from ${result.body.from.slice(0, 10)} to `
    + `${result.body.to.slice(0, 10)} (${data.zone})` : "No calls in this period.", "shown");
  document.body.dataset.history = query.toString();
}

function staffingQuery(format) {
  const form = new FormData(document.getElementById("staffing-form"));
  const query = new URLSearchParams();
  for (const name of ["day", "queue", "target", "within"]) {
    const value = form.get(name);
    if (value) query.set(name, value);
  }
  if (format) query.set("format", format);
  return query;
}

function drawStaffing(slots) {
  const canvas = document.getElementById("staffing-chart");
  const chart = figureChart(canvas, {
    title: "Calls forecast and agents needed", kind: "bar", unit: "calls, agents",
    labels: slots.map((slot) => slot.start),
    series: [
      { label: label("calls"), data: slots.map((slot) => slot.calls) },
      { label: label("erlang_c_agents"), data: slots.map((slot) => slot.erlang_c_agents) },
      { label: label("erlang_a_agents"), data: slots.map((slot) => slot.erlang_a_agents) },
    ],
  });
  // the agents as lines over the forecast's bars
  chart.data.datasets[1].type = "line";
  chart.data.datasets[2].type = "line";
  chart.options.scales.x.stacked = false;
  chart.options.scales.y.stacked = false;
  chart.update();
  const columns = [["start", "From (UTC)"],
    ...Object.keys(data.staffing_figures).map(column)];
  fillTable(document.getElementById("staffing-table"), columns, slots);
}

function clearStaffing() {
  document.getElementById("staffing-csv").removeAttribute("href");
  const chart = Chart.getChart(document.getElementById("staffing-chart"));
  if (chart) chart.destroy();
  const table = document.getElementById("staffing-table");
  table.tHead.replaceChildren();
  table.tBodies[0].replaceChildren();
}

async function loadStaffing() {
  const query = staffingQuery();
  const mine = ++asked.staffing;
  say("staffing-status", "Forecasting…", "loading");
  const csv = `/api/v1/analytics/staffing?${staffingQuery("csv")}`;
  const result = await api("GET", `/api/v1/analytics/staffing?${query}`);
  if (mine !== asked.staffing) return;
  if (!result.ok) {
    clearStaffing();
    say("staffing-status", `Not shown: ${reason(result)}`, "error");
    return;
  }
  const body = result.body;
  document.getElementById("staffing-csv").href = csv;
  drawStaffing(body.slots);
  const h = body.history;
  say("staffing-status", `${body.day}: forecast from ${h.offered} calls between `
    + `${body.history_from.slice(0, 10)} and ${body.history_to.slice(0, 10)}; AHT `
    + `${h.aht === null ? "unknown" : `${h.aht.toFixed(0)} s`}; target `
    + `${Math.round(body.target.level * 100)} % within ${body.target.within} s`, "shown");
}

document.getElementById("history-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadHistory();
});
document.getElementById("interval").addEventListener("change", () => loadHistory());
document.getElementById("staffing-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadStaffing();
});
// for tests and the curious: what a chart shows, by canvas id
window.analyticsChart = (id) => chartData(document.getElementById(id));
wireSignOut();
connectEvents({ types: ["agent.state"], onEvent: () => {} });
loadHistory();
loadStaffing();
