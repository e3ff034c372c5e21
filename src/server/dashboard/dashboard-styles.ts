/**
 * The dashboard's stylesheet, served as /dashboard/assets/dashboard.css. It lives in a
 * module so the TypeScript build ships it with the code (no asset copy step). Narrow
 * screens (a phone, 390 px) get tables as stacked cards and never scroll sideways.
 */
export const DASHBOARD_STYLES = `
:root { --fg: #1d232a; --muted: #5b6570; --line: #d9dee3; --bg: #f6f7f9; --card: #fff; --accent: #1f5fae;
  --succeeded: #2e7d32; --failed: #c62828; --running: #1565c0; --queued: #6b7280; --cancelled: #b45309; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .6rem 1rem; background: #14243a; color: #fff; }
header.top .brand { font-weight: 700; letter-spacing: .02em; }
header.top nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
header.top nav a { color: #cfe0f5; text-decoration: none; padding: .15rem 0; }
header.top nav a[aria-current="page"] { color: #fff; border-bottom: 2px solid #fff; }
header.top .sign-out { margin-left: auto; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: .25rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: .25rem 0 .5rem; } h4 { font-size: .9rem; margin: .75rem 0 .35rem; color: var(--muted); }
.run-id { margin: -.75rem 0 1rem; font-size: .8rem; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin-bottom: 1rem; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin-bottom: 1rem; }
.summary div { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; }
.summary dt { color: var(--muted); font-size: .8rem; }
.summary dd { margin: 0; font-size: 1.15rem; font-weight: 600; overflow-wrap: anywhere; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin-bottom: 1rem; }
form.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .2rem; min-width: 0; flex: 1 1 10rem; }
form.filters select, form.filters input { font: inherit; color: var(--fg); padding: .3rem .4rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; width: 100%; min-width: 0; }
button { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
.filter-actions { display: flex; gap: .75rem; align-items: center; }
table.rows { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table.rows th, table.rows td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
table.rows th { font-size: .8rem; color: var(--muted); font-weight: 600; overflow-wrap: normal; white-space: nowrap; }
table.rows td.num, table.rows th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { display: inline-block; white-space: nowrap; padding: 0 .45rem; border-radius: 999px; font-size: .75rem; font-weight: 600; color: #fff; background: var(--queued); }
.status-succeeded { background: var(--succeeded); } .status-failed { background: var(--failed); }
.status-running { background: var(--running); } .status-cancelled { background: var(--cancelled); }
.level-error { color: var(--failed); font-weight: 600; } .level-warning { color: var(--cancelled); font-weight: 600; }
.error-text { color: var(--failed); white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font: .85rem/1.4 ui-monospace, monospace; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem; margin-bottom: 1rem; min-height: 14rem; overflow: hidden; }
.bars { display: grid; grid-template-columns: minmax(6rem, 12rem) 1fr minmax(4.5rem, auto); gap: .3rem .75rem; align-items: center; }
.bars .label { overflow-wrap: anywhere; font-size: .85rem; }
.bars .value { text-align: right; font-size: .85rem; font-variant-numeric: tabular-nums; }
.bars svg { width: 100%; height: 14px; display: block; }
.bars rect.track { fill: #e8ebef; }
.bar-duration { fill: var(--accent); } .bar-received { fill: #5c8fd6; } .bar-forwarded { fill: var(--succeeded); } .bar-errors { fill: var(--failed); }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; font-size: .8rem; color: var(--muted); margin: .25rem 0 .5rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -1px; margin-right: .3rem; }
.legend .swatch-received { background: #5c8fd6; } .legend .swatch-forwarded { background: var(--succeeded); }
.pager { margin: .75rem 0; }
.notice { background: #fff4e5; border: 1px solid #f0c48a; border-radius: 8px; padding: .6rem 1rem; margin-bottom: 1rem; }
.sign-in { max-width: 26rem; }
.sign-in label { display: flex; flex-direction: column; gap: .3rem; margin-bottom: .75rem; }
.sign-in input { font: inherit; padding: .4rem; border: 1px solid var(--line); border-radius: 4px; width: 100%; }
.uplot { max-width: 100%; }
@media (max-width: 640px) {
  main { padding: .6rem; }
  table.rows, table.rows tbody, table.rows tr, table.rows td { display: block; width: 100%; }
  table.rows thead { display: none; }
  table.rows tr { border-bottom: 1px solid var(--line); padding: .35rem 0; }
  table.rows td { border: 0; padding: .15rem .6rem; display: flex; gap: .75rem; justify-content: space-between; text-align: right; }
  table.rows td.num { text-align: right; }
  table.rows td::before { content: attr(data-label); color: var(--muted); font-size: .8rem; text-align: left; flex: 0 0 auto; }
  table.rows td.wide { display: block; text-align: left; }
  table.rows td.wide::before { display: block; }
  .bars { grid-template-columns: minmax(5rem, 8rem) 1fr minmax(4rem, auto); }
}
`
