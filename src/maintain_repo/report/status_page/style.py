"""The page's stylesheet, inlined into `<style>`: light and dark, from 390 px up."""

_CSS = """
:root{color-scheme:light dark;--bg:#f6f8fa;--card:#fff;--fg:#1f2328;--muted:#59636e;
--line:#d1d9e0;--grid:#eaeef2;--up:#1a7f37;--degraded:#9a6700;--down:#cf222e;
--maintenance:#0969da;--unknown:#818b98;--chart:#0969da;--empty:#e6eaef}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--fg:#e6edf3;
--muted:#9198a1;--line:#3d444d;--grid:#262c36;--up:#3fb950;--degraded:#d29922;
--down:#f85149;--maintenance:#4493f8;--unknown:#9198a1;--chart:#4493f8;--empty:#262c36}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.5;font-size:15px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans",
"Liberation Sans","DejaVu Sans",Arial,sans-serif;font-variant-numeric:tabular-nums;
overflow-wrap:anywhere}
.wrap{max-width:64rem;margin:0 auto;padding:0 1rem}
.top{background:var(--card);border-bottom:1px solid var(--line);margin-bottom:1.5rem}
.top .wrap{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;
gap:.25rem 1rem;padding-top:1rem;padding-bottom:1rem}
h1{font-size:1.375rem;margin:0;letter-spacing:-.01em}
h2{font-size:1.0625rem;margin:2rem 0 .75rem}
h3{font-size:1rem;margin:0}
h4{font-size:.9375rem;margin:0}
p{margin:.25rem 0}
a{color:var(--maintenance)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
font-size:.8125rem}
.muted,.meta{color:var(--muted)}
.meta{font-size:.8125rem}
.banner{border-radius:10px;padding:1rem 1.25rem;color:#fff;background:var(--unknown)}
@media (prefers-color-scheme:dark){.banner{color:#0d1117}}
.banner h2{margin:0;font-size:1.25rem}
.banner p{margin:.125rem 0 0;opacity:.92}
.banner.s-up{background:var(--up)}.banner.s-degraded{background:var(--degraded)}
.banner.s-down{background:var(--down)}.banner.s-maintenance{background:var(--maintenance)}
.notes{margin-top:1rem;border:1px solid var(--degraded);border-radius:8px;padding:.5rem 1rem;
background:var(--card)}
.notes ul{margin:0;padding-left:1.25rem}
.cards,.probes{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:.875rem 1rem}
.service{margin-bottom:1rem}
.service-head,.probe-head{display:flex;flex-wrap:wrap;align-items:center;
justify-content:space-between;gap:.25rem .75rem}
.sid{color:var(--muted);font-weight:400;margin-left:.25rem}
.probes{margin-top:.75rem;gap:0}
.probe{display:grid;grid-template-columns:minmax(0,1fr);gap:.75rem;padding:.875rem 0 .25rem;
border-top:1px solid var(--line)}
@media (min-width:48rem){.probe{grid-template-columns:18rem minmax(0,1fr);gap:1.5rem}}
.target{font-size:.8125rem;color:var(--muted)}
.type{text-transform:uppercase;font-size:.6875rem;font-weight:600;letter-spacing:.04em;
border:1px solid var(--line);border-radius:4px;padding:0 .3rem;margin-right:.25rem}
.badge{display:inline-flex;align-items:center;gap:.375rem;font-size:.8125rem;font-weight:600;
white-space:nowrap;border-radius:999px;padding:.0625rem .625rem;color:var(--unknown);
background:color-mix(in srgb,currentColor 12%,transparent)}
.badge .dot{width:.5rem;height:.5rem;border-radius:50%;background:currentColor}
.badge.s-up{color:var(--up)}.badge.s-degraded{color:var(--degraded)}
.badge.s-down{color:var(--down)}.badge.s-maintenance{color:var(--maintenance)}
.pill{display:inline-block;border:1px solid var(--line);border-radius:999px;padding:0 .5rem;
font-weight:600;color:var(--fg)}
.pill.status{font-weight:400}
.incident h3 a{color:inherit}
.uptime{border-collapse:collapse;width:100%;margin-top:.5rem;font-size:.8125rem;
table-layout:fixed}
.uptime caption{text-align:left;color:var(--muted);font-size:.75rem;padding-bottom:.125rem}
.uptime th{font-weight:400;color:var(--muted);text-align:left;font-size:.75rem}
.uptime td{font-weight:600;text-align:left;padding-right:.5rem;vertical-align:top}
.uptime .value{white-space:nowrap}
.uptime .data{display:block;font-weight:400;font-size:.6875rem;color:var(--muted)}
.pill.proposed{font-weight:400;border-style:dashed;color:var(--muted)}
.latency{margin:0}
.latency figcaption,.xaxis{display:flex;justify-content:space-between;gap:.5rem;
font-size:.75rem}
.latency figcaption{margin-bottom:.25rem}
.plot{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.375rem}
.yaxis{position:relative;text-align:right;font-size:.6875rem;color:var(--muted);
min-width:3.25rem}
.yaxis span{position:absolute;right:0;transform:translateY(-50%);white-space:nowrap;
line-height:1}
svg.chart{display:block;width:100%;height:88px;border-left:1px solid var(--line);
border-bottom:1px solid var(--line)}
svg.chart path{fill:none;vector-effect:non-scaling-stroke}
.chart .grid{stroke:var(--grid);stroke-width:1}
.chart .line{stroke:var(--chart);stroke-width:1.75;stroke-linejoin:round;stroke-linecap:round}
.chart .tick-down{stroke:var(--down);stroke-width:2;opacity:.55}
.chart .tick-maintenance{stroke:var(--unknown);stroke-width:2;opacity:.4}
.xaxis{color:var(--muted);font-size:.6875rem;margin-top:.125rem}
.latency .xaxis{margin-left:3.625rem}
.legend{font-size:.6875rem;color:var(--muted);margin:.125rem 0 0 3.625rem}
.key{display:inline-block;width:.5rem;height:.5rem;border-radius:2px;margin:0 .25rem 0 .5rem}
.key:first-child{margin-left:0}
.key-down{background:var(--down);opacity:.55}.key-maintenance{background:var(--unknown)}
.strip{margin-top:.75rem}
svg.days{display:block;width:100%;height:22px}
.days path{stroke:var(--empty);stroke-width:1.44}
.days .d-up{stroke:var(--up)}.days .d-degraded{stroke:var(--degraded)}
.days .d-down{stroke:var(--down)}.days .d-maintenance{stroke:var(--maintenance)}
.nodata{display:flex;align-items:center;justify-content:center;min-height:88px;margin:0;
border:1px dashed var(--line);border-radius:8px;color:var(--muted);font-size:.875rem}
footer{margin:2rem auto;font-size:.8125rem}
"""
