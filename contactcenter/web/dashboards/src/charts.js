// The analytics pages' charts: Chart.js with only the parts they draw (bars and lines on a
// category axis, a legend, tooltips), so the bundle carries nothing else. The pages call
// drawChart(canvas, config) and read the figures back from chartData(canvas).
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController,
  LineElement, PointElement, Title, Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController,
  LineElement, PointElement, Title, Tooltip);

// No animation: a manager reads figures, and a chart drawn at once is one a screenshot
// or a test sees finished.
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = "system-ui, sans-serif";

// Draw `config` on `canvas`, replacing the chart drawn there before.
export function drawChart(canvas, config) {
  const previous = Chart.getChart(canvas);
  if (previous) previous.destroy();
  return new Chart(canvas, config);
}

// The labels and datasets the chart on `canvas` shows (null when none is drawn).
export function chartData(canvas) {
  const chart = Chart.getChart(canvas);
  if (!chart) return null;
  return {
    labels: [...chart.data.labels],
    datasets: chart.data.datasets.map((set) => ({ label: set.label, data: [...set.data] })),
  };
}

export { Chart };
