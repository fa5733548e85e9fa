/* Campaign results charts drawn with the vendored Chart.js: any <canvas data-chart="rates"
   | "uplift"> whose data-source names a json_script element. Runs on page load and on
   every htmx swap (a campaign's results panel arrives by htmx into a page that may not
   load Chart.js: the canvas's data-chart-lib then names the file to load once).
   Labels come from data-label-* attributes, translated in the template. */
(function () {
  "use strict";
  if (window.campaignCharts) { window.campaignCharts.drawAll(document); return; }
  var BLUE = "#2251cc", GREY = "#98a2b3", INK = "#344054", GREEN = "#067647", RED = "#b42318";

  /* Whiskers: for each bar, a vertical line from ci[0] to ci[1] with caps. The dataset
     carries its intervals in its "intervals" property (null: none drawn). */
  var whiskers = {
    id: "campaignWhiskers",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, y = chart.scales.y;
      chart.data.datasets.forEach(function (dataset, index) {
        var meta = chart.getDatasetMeta(index);
        if (!dataset.intervals || meta.hidden) { return; }
        meta.data.forEach(function (element, i) {
          var ci = dataset.intervals[i];
          if (!ci) { return; }
          var x = element.x, top = y.getPixelForValue(ci[1]), bottom = y.getPixelForValue(ci[0]);
          var cap = Math.min(8, (element.width || 16) / 4);
          ctx.save();
          ctx.strokeStyle = INK;
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(x, top); ctx.lineTo(x, bottom);
          ctx.moveTo(x - cap, top); ctx.lineTo(x + cap, top);
          ctx.moveTo(x - cap, bottom); ctx.lineTo(x + cap, bottom);
          ctx.stroke();
          ctx.restore();
        });
      });
    }
  };

  function highest(values) {
    var top = 0;
    values.forEach(function (v) {
      if (Array.isArray(v)) { v = v[1]; }
      if (typeof v === "number" && v > top) { top = v; }
    });
    return top;
  }

  var builders = {
    rates: function (d, label) {
      var top = highest(d.treated.concat(d.control, d.treated_ci, d.control_ci));
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: label.treated, data: d.treated, intervals: d.treated_ci, backgroundColor: BLUE },
            { label: label.control, data: d.control, intervals: d.control_ci, backgroundColor: GREY }
          ]
        },
        options: {
          scales: {
            y: {
              min: 0, max: Math.min(100, Math.ceil((top + 5) / 10) * 10),
              title: { display: true, text: label.y },
              ticks: { callback: function (v) { return v + " %"; } }
            }
          }
        },
        plugins: [whiskers]
      };
    },
    uplift: function (d, label) {
      /* Floating bars from the interval's low to high end, the estimate as a point. */
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { type: "scatter", label: label.uplift, data: d.uplift.map(function (v, i) { return { x: d.labels[i], y: v }; }),
              backgroundColor: INK, borderColor: INK, pointRadius: 5, pointStyle: "rectRot" },
            { label: label.interval, data: d.ci, borderSkipped: false, maxBarThickness: 56,
              backgroundColor: d.ci.map(function (ci) {
                if (!ci) { return GREY; }
                return ci[0] > 0 ? GREEN : (ci[1] < 0 ? RED : "rgba(34, 81, 204, 0.35)");
              }) }
          ]
        },
        options: {
          scales: {
            x: { type: "category" },
            y: { title: { display: true, text: label.y }, ticks: { callback: function (v) { return v + " pp"; } } }
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

  var loading = false;
  function drawAll(root) {
    var canvases = (root || document).querySelectorAll("canvas[data-chart='rates'], canvas[data-chart='uplift']");
    if (!canvases.length) { return; }
    if (typeof Chart === "undefined") {
      var lib = canvases[0].dataset.chartLib;
      if (lib && !loading) {
        loading = true;
        var script = document.createElement("script");
        script.src = lib;
        script.onload = function () { drawAll(document); };
        document.head.appendChild(script);
      }
      return;
    }
    canvases.forEach(draw);
  }

  window.campaignCharts = { drawAll: drawAll };
  if (window.htmx) { window.htmx.onLoad(drawAll); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
})();
