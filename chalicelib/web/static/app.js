// Enori dashboard: progressive enhancement only. Every page works without this file except the
// response-time chart, the copy buttons and live refresh. No inline script anywhere (the CSP
// forbids it): data arrives in <script type="application/json"> blocks, which never run.
(function () {
  "use strict";

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function drawChart(holder) {
    var source = document.getElementById(holder.getAttribute("data-source"));
    if (!source || typeof uPlot === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var colours = ["--link", "--degraded", "--up", "--down"];
    var series = [{}];
    data.regions.forEach(function (region, index) {
      series.push({ label: region + " (ms)", stroke: cssVar(colours[index % colours.length]),
                    width: 2, spanGaps: false });
    });
    var axis = { stroke: cssVar("--muted"), grid: { stroke: cssVar("--line") },
                 ticks: { stroke: cssVar("--line") } };
    var width = Math.max(280, holder.clientWidth);
    holder.textContent = "";
    var chart = new uPlot({ width: width, height: 240, series: series, axes: [axis, axis],
                            scales: { x: { time: true } } },
                          [data.times].concat(data.values), holder);
    window.addEventListener("resize", function () {
      chart.setSize({ width: Math.max(280, holder.clientWidth), height: 240 });
    });
  }

  function wireCopy(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = "Copied";
      });
    });
  }

  // Live refresh: fetch this same page and swap the region marked data-live, no full reload.
  function liveRefresh(region) {
    var seconds = parseInt(region.getAttribute("data-live"), 10) || 30;
    setInterval(function () {
      fetch(window.location.href, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
        if (fresh) { region.innerHTML = fresh.innerHTML; }
      }).catch(function () { /* offline for a moment: the next tick tries again */ });
    }, seconds * 1000);
  }

  // Channel forms: show only the selected type's fieldset and disable the others, so only its
  // inputs are submitted (the server reads only those anyway; without JS all are shown).
  function wireChannelType(select) {
    var form = select.form;
    function show() {
      form.querySelectorAll("fieldset[data-channel-type]").forEach(function (set) {
        var chosen = set.getAttribute("data-channel-type") === select.value;
        set.hidden = !chosen;
        set.disabled = !chosen;
      });
    }
    select.addEventListener("change", show);
    show();
  }

  document.querySelectorAll("select[data-channel-type-select]").forEach(wireChannelType);
  document.querySelectorAll("[data-chart]").forEach(drawChart);
  document.querySelectorAll("button[data-copy]").forEach(wireCopy);
  document.querySelectorAll("[data-live]").forEach(liveRefresh);
}());
