// /analytics/customers: the last RFM run's segment sizes as a chart and a table (with its
// CSV and the scores per contact as Parquet), and lifetime value and churn once the CRM
// has scored them (GET /api/v1/scores); until then the page says they are not computed.
import { chartData, drawChart } from "./charts.js";
import { api, connectEvents, el, pageData, reason, unavailable, wireSignOut } from "./common.js";
import { PALETTE, fillTable, say } from "./analytics_charts.js";

const data = pageData();
const title = (name) => name.replaceAll("_", " ");
const range = ([low, high]) => (low === high ? String(low) : `${low}–${high}`);

function drawSegments(sizes) {
  const rules = data.segments;
  drawChart(document.getElementById("rfm-chart"), {
    type: "bar",
    data: {
      labels: rules.map((rule) => title(rule.name)),
      datasets: [{ label: "Contacts", data: rules.map((rule) => sizes[rule.name] || 0),
        backgroundColor: rules.map((_, index) => PALETTE[index % PALETTE.length]) }],
    },
    options: { plugins: { legend: { display: false },
      title: { display: true, text: "Contacts in each RFM segment" } },
    scales: { y: { beginAtZero: true, title: { display: true, text: "contacts" } } } },
  });
  document.getElementById("rfm-table").tBodies[0].replaceChildren(...rules.map((rule) =>
    el("tr", { dataset: { segment: rule.name } },
      el("th", { scope: "row" }, title(rule.name)), el("td", {}, range(rule.r)),
      el("td", {}, range(rule.f)), el("td", {}, rule.meaning),
      el("td", { dataset: { figure: "contacts" } }, String(sizes[rule.name] || 0)))));
}

async function loadRfm() {
  const result = await api("GET", "/api/v1/rfm");
  if (!result.ok) {
    say("rfm-run", `Not shown: ${reason(result)}`, "error");
    return;
  }
  const run = result.body;
  drawSegments(run.segments || {});
  if (!run.as_of) {
    say("rfm-run", "RFM not computed yet: no run has scored the contacts.", "empty");
    return;
  }
  say("rfm-run", `${run.customers} contacts scored as of ${run.as_of} `
    + `(computed ${String(run.computed_at).replace("T", " ").slice(0, 16)} UTC).`, "shown");
}

// the last scores run (GET /api/v1/scores): what it covered, and how well its churn
// models rank held-out customers (AUC: 0.5 is chance, 1 is perfect)
const RUN_FIGURES = [["as_of", "As of"], ["customers", "Customers scored"],
  ["horizon_days", "Horizon (days)"], ["window_days", "Lapsed after (days)"],
  ["auc", "Attrition model AUC"], ["p_alive_auc", "1 − P(alive) AUC"]];

function drawScores(run) {
  fillTable(document.getElementById("scores-table"), RUN_FIGURES, [run]);
  const aucs = RUN_FIGURES.slice(4).filter(([key]) => typeof run[key] === "number");
  if (!aucs.length) return;
  document.getElementById("scores-chart-box").hidden = false;
  drawChart(document.getElementById("scores-chart"), {
    type: "bar",
    data: { labels: aucs.map(([, name]) => name),
      datasets: [{ label: "held-out AUC", data: aucs.map(([key]) => run[key]),
        backgroundColor: PALETTE.slice(0, aucs.length) }] },
    options: { indexAxis: "y", plugins: { legend: { display: false },
      title: { display: true, text: "Churn: held-out AUC (0.5 is chance)" } },
    scales: { x: { min: 0, max: 1 } } },
  });
}

async function loadScores() {
  const result = await api("GET", "/api/v1/scores");
  const run = result.ok ? result.body.run : null;
  if (unavailable(result) || (result.ok && !run)) {
    say("scores-status", "Lifetime value and churn: not computed yet.", "empty");
    return;
  }
  if (!result.ok) {
    say("scores-status", `Not shown: ${reason(result)}`, "error");
    return;
  }
  drawScores(run);
  document.getElementById("scores-parquet").hidden = false;
  document.getElementById("scores-csv").hidden = false;
  say("scores-status", `${run.customers} customers scored as of ${run.as_of} (computed `
    + `${String(run.computed_at).replace("T", " ").slice(0, 16)} UTC).`, "shown");
}

window.analyticsChart = (id) => chartData(document.getElementById(id));
wireSignOut();
connectEvents({ types: ["agent.state"], onEvent: () => {} });
loadRfm();
loadScores();
