/* Bar charts of money per day, drawn by Chart.js (the copy django-unfold vendors and its pages
   already load: static/unfold/js/chart/chart.js, MIT). No CDN, no build step.

   <canvas data-money-chart="ID"></canvas> reads the JSON of <script id="ID"> (Django's
   json_script): {"labels": ["2026-12-01", ...], "datasets": [{"currency": "KRW", "data": [..]}]}.
   Amounts are integers; KRW shows as 1,234,567원, other currencies as 1,234 USD. */
(function () {
  "use strict";
  var COLOURS = ["rgb(37 99 235)", "rgb(22 163 74)", "rgb(217 119 6)", "rgb(147 51 234)"];

  function money(value, currency) {
    var text = Number(value).toLocaleString("ko-KR");
    return currency === "KRW" ? text + "원" : text + " " + currency;
  }

  function draw(canvas) {
    if (typeof Chart === "undefined" || canvas.dataset.drawn) return;
    var source = document.getElementById(canvas.dataset.moneyChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    canvas.dataset.drawn = "1";
    var datasets = data.datasets.map(function (set, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: set.currency,
        currency: set.currency,
        data: set.data,
        backgroundColor: set.data.map(function (v) { return v < 0 ? "rgb(220 38 38)" : colour; }),
        borderRadius: 4,
        maxBarThickness: 28,
        yAxisID: i === 0 ? "y" : "y" + i,
      };
    });
    var scales = {
      x: {
        grid: { display: false },
        ticks: {
          color: "#9ca3af",
          callback: function (value) { return this.getLabelForValue(value).slice(5); },
        },
      },
    };
    datasets.forEach(function (set, i) {
      scales[set.yAxisID] = {
        position: i === 0 ? "left" : "right",
        display: i < 2,
        grid: { display: i === 0, color: "rgba(156,163,175,.25)" },
        ticks: {
          color: "#9ca3af",
          callback: function (value) { return money(value, set.currency); },
        },
      };
    });
    new Chart(canvas.getContext("2d"), {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: scales,
        plugins: {
          legend: { display: datasets.length > 1, position: "top", align: "end" },
          tooltip: {
            callbacks: {
              label: function (ctx) { return " " + money(ctx.parsed.y, ctx.dataset.currency); },
            },
          },
        },
      },
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-money-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
