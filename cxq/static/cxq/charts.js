/* CXQ charts: every <canvas data-chart="ID"> is drawn by Chart.js from the JSON in <script id="ID">
 * (Django's json_script). The JSON is {type, labels, datasets: [{label, data, ...}], y: {min, max, suffix}}.
 * Series never rely on colour alone: each gets its own point shape and dash pattern, and the legend shows
 * them. Include after vendor/chartjs/chart.umd.min.js; charts added later by htmx are drawn too. */
(function () {
  "use strict";
  const COLOURS = ["#2f5bd3", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#475569"];
  const SHAPES = ["circle", "rectRot", "triangle", "rect", "star", "crossRot", "dash", "line"];
  const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 4], [8, 8], [4, 2], [12, 4]];

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof Chart === "undefined") return;
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    const line = (spec.type || "line") === "line";
    const datasets = (spec.datasets || []).map(function (ds, i) {
      const colour = ds.color || COLOURS[i % COLOURS.length];
      return Object.assign(
        {
          borderColor: colour,
          backgroundColor: line ? colour : colour + "cc",
          pointStyle: SHAPES[i % SHAPES.length],
          pointRadius: line ? 4 : 0,
          borderDash: line ? DASHES[i % DASHES.length] : [],
          borderWidth: line ? 2 : 1,
          spanGaps: true,
          tension: 0,
        },
        ds,
        { color: undefined }
      );
    });
    const y = spec.y || {};
    const suffix = y.suffix || "";
    const labels = spec.labels || [];
    if (spec.horizontal && canvas.parentNode) {
      // every bar keeps its label: the box grows with the number of (wrapped) labels
      const lines = labels.reduce(function (n, l) { return n + (Array.isArray(l) ? l.length : 1); }, 0);
      const needed = lines * 15 + labels.length * 10 + 60;
      if (needed > canvas.parentNode.clientHeight) canvas.parentNode.style.height = needed + "px";
    }
    canvas.dataset.drawn = "1";
    canvas.chart = new Chart(canvas, {
      type: spec.type || "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: datasets.length > 1, labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                const v = ctx.parsed[spec.horizontal ? "x" : "y"];
                const text = Array.isArray(ctx.raw)
                  ? ctx.raw[0] + suffix + " to " + ctx.raw[1] + suffix  // a floating bar: an interval
                  : v === null ? "–" : v + suffix;
                return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + text;
              },
            },
          },
        },
        scales: {
          [spec.horizontal ? "x" : "y"]: {
            min: y.min, max: y.max, stacked: !!spec.stacked,
            ticks: { callback: function (v) { return v + suffix; } },
          },
          // bar charts label every bar (no auto-skipping); long vertical labels rotate
          [spec.horizontal ? "y" : "x"]: {
            stacked: !!spec.stacked,
            ticks: line ? {} : { autoSkip: false, maxRotation: spec.horizontal ? 0 : 60 },
          },
        },
      },
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (e) { drawAll(e.target); });
})();
