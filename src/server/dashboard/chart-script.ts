/**
 * The dashboard's only browser script, served as /dashboard/assets/charts.js: it draws
 * the timeline with uPlot from the JSON the page embeds (`#timeline-data`). Plain
 * browser JavaScript in a string, so the TypeScript build ships it without a bundler.
 * After drawing it marks the chart with `data-points` (how many points it drew).
 */
export const DASHBOARD_CHART_SCRIPT = String.raw`(function () {
  'use strict';
  var COLOURS = { SUCCEEDED: '#2e7d32', FAILED: '#c62828', RUNNING: '#1565c0', QUEUED: '#6b7280', CANCELLED: '#b45309' };
  var holder = document.getElementById('timeline-chart');
  var source = document.getElementById('timeline-data');
  if (!holder || !source || typeof uPlot !== 'function') return;
  var data = JSON.parse(source.textContent || '{}');
  var points = (data.points || []).slice().sort(function (a, b) { return a.t - b.t; });
  var statuses = Object.keys(COLOURS).filter(function (status) {
    return points.some(function (point) { return point.status === status; });
  });
  var xs = points.map(function (point) { return point.t; });
  var columns = [xs].concat(statuses.map(function (status) {
    return points.map(function (point) { return point.status === status ? point.d : null; });
  }));
  var series = [{ label: 'Queued at (UTC)' }].concat(statuses.map(function (status) {
    return {
      label: status,
      stroke: COLOURS[status],
      paths: function () { return null; },
      points: { show: true, size: 8, width: 1, stroke: COLOURS[status], fill: COLOURS[status] },
      value: function (u, v) { return v == null ? '–' : v.toFixed(1) + ' s'; },
    };
  }));
  var width = function () { return Math.max(240, holder.clientWidth - 16); };
  var chart = new uPlot({
    width: width(),
    height: 260,
    series: series,
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
    scales: { x: { time: true } },
    axes: [{}, { label: 'Duration (s)', size: 56 }],
    cursor: { points: { size: 10 } },
  }, columns, holder);
  // A click on the chart opens the run under the cursor.
  chart.over.addEventListener('click', function () {
    var index = chart.cursor.idx;
    if (index != null && points[index]) window.location.href = data.runPath + encodeURIComponent(points[index].id);
  });
  window.addEventListener('resize', function () { chart.setSize({ width: width(), height: 260 }); });
  holder.setAttribute('data-points', String(points.length));
})();
`
