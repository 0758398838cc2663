// What the analytics pages share: figures formatted for a table, a table filled from rows,
// and Chart.js configs for a figure over time, one dataset per queue, agent or series.
import { drawChart } from "./charts.js";
import { el, replace } from "./common.js";

export const PALETTE = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989",
  "#0a7ea4", "#6e7781", "#fb8500", "#2da44e"];

const SHARES = new Set(["service_level", "abandon_rate", "fcr", "occupancy",
  "erlang_c_service_level", "erlang_a_service_level", "erlang_a_abandon"]);
const PRECISE = new Set(["auc", "p_alive_auc"]);

// a figure as the table shows it: shares as per cent, other numbers to one decimal
export function formatted(key, value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "number") return String(value);
  if (SHARES.has(key)) return `${(value * 100).toFixed(1)} %`;
  if (PRECISE.has(key)) return value.toFixed(3);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

// "2026-11-02T10:00:00+00:00" -> "2026-11-02 10:00" (UTC, as the routes give it)
export const moment = (iso) => String(iso).replace("T", " ").slice(0, 16);

// thead and tbody of `table` from rows, one column per key of `columns` ([key, label,
// definition]; the definition is the header's tooltip)
export function fillTable(table, columns, rows) {
  const head = el("tr", {}, columns.map(([key, label, definition]) => el("th", {
    scope: "col", title: definition, dataset: { figure: key } }, label)));
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...rows.map((row) => el("tr", {},
    columns.map(([key]) => el("td", { dataset: { figure: key } },
      key === "start" || key === "end" ? moment(row[key]) : formatted(key, row[key]))))));
}

// A chart of one figure over time: x the buckets' starts, one dataset per series
export function figureChart(canvas, { title, kind, unit, labels, series }) {
  const percent = unit === "share";
  return drawChart(canvas, {
    type: kind,
    data: {
      labels: labels.map(moment),
      datasets: series.map(({ label, data }, index) => ({
        label, data, borderColor: PALETTE[index % PALETTE.length],
        backgroundColor: PALETTE[index % PALETTE.length], spanGaps: true, pointRadius: 2,
      })),
    },
    options: {
      plugins: { title: { display: true, text: title }, legend: { position: "bottom" } },
      scales: {
        x: { stacked: kind === "bar" },
        y: {
          stacked: kind === "bar", beginAtZero: true,
          title: { display: true, text: percent ? "per cent" : unit },
          ticks: percent ? { callback: (v) => `${Math.round(v * 100)} %` } : {},
        },
      },
    },
  });
}

// a canvas in its box, for a chart grid
export function chartBox(id, label) {
  const canvas = el("canvas", { id, role: "img", "aria-label": label });
  return { box: el("div", { class: "chart-box" }, canvas), canvas };
}

export function say(id, text, state) {
  const node = replace(id, text);
  if (node) node.dataset.state = state;
}
