/* Churn charts drawn with the vendored Chart.js: any <canvas data-chart="..."> whose
   data-source names a json_script element. Runs on page load and on every htmx swap
   (the customer's risk panel arrives by htmx). Labels come from data-label-* attributes,
   translated in the template. */
(function () {
  "use strict";
  var RED = "#b42318", BLUE = "#2251cc", GREY = "#98a2b3", GREEN = "#067647";

  function percentAxis(max) {
    return { min: 0, max: max, ticks: { callback: function (v) { return v + " %"; } } };
  }

  var builders = {
    score: function (d, label) {
      return {
        type: "line",
        data: {
          labels: d.labels,
          datasets: [
            { label: label.churn, data: d.churn, borderColor: RED, backgroundColor: RED, tension: 0.25, spanGaps: true },
            { label: label.alive, data: d.alive, borderColor: BLUE, backgroundColor: BLUE, tension: 0.25, spanGaps: true }
          ]
        },
        options: {
          scales: {
            x: { ticks: { maxTicksLimit: 6, maxRotation: 0, autoSkip: true } },
            y: percentAxis(100)
          }
        }
      };
    },
    calibration: function (d, label) {
      return {
        type: "scatter",
        data: {
          datasets: [
            { label: label.model, data: d, borderColor: BLUE, backgroundColor: BLUE, showLine: true },
            { label: label.ideal, data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: GREY, borderDash: [4, 4], pointRadius: 0, showLine: true }
          ]
        },
        options: {
          scales: {
            x: { min: 0, max: 1, title: { display: true, text: label.x } },
            y: { min: 0, max: 1, title: { display: true, text: label.y } }
          }
        }
      };
    },
    lift: function (d, label) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: label.model, data: d.model, backgroundColor: BLUE },
            { label: label.recency, data: d.recency, backgroundColor: GREY },
            { label: label.silence, data: d.silence, backgroundColor: GREEN }
          ]
        },
        options: {
          scales: {
            x: { title: { display: true, text: label.x } },
            y: { beginAtZero: true, title: { display: true, text: label.y } }
          }
        }
      };
    }
  };

  function labels(canvas) {
    var out = {};
    Object.keys(canvas.dataset).forEach(function (key) {
      if (key.indexOf("label") === 0 && key.length > 5) {
        out[key.charAt(5).toLowerCase() + key.slice(6)] = canvas.dataset[key];
      }
    });
    return out;
  }

  function draw(canvas) {
    var build = builders[canvas.dataset.chart];
    var source = document.getElementById(canvas.dataset.source);
    if (!build || !source || canvas.dataset.drawn || typeof Chart === "undefined") { return; }
    canvas.dataset.drawn = "1";
    var config = build(JSON.parse(source.textContent), labels(canvas));
    config.options.animation = false;
    config.options.maintainAspectRatio = false;
    config.options.plugins = { legend: { position: "bottom" } };
    new Chart(canvas, config);
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (window.htmx) { window.htmx.onLoad(drawAll); }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
})();
