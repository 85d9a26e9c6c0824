/**
 * The live trace viewer served at `/`: one self-contained page (no framework, no network beyond this
 * server). Recent requests on the left, updated live over `/api/events`; the selected request's trace as
 * a tree on the right, each node with its kind, label, tokens and latency, expandable to its data.
 * An API key given as `/?key=KEY` is passed on to the API calls.
 */
export const viewerHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>deliberate · traces</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --bg:#0f1115; --panel:#171a21; --line:#262b36; --text:#e6e8ee; --dim:#8b93a7; --accent:#6aa7ff;
          --ok:#4cc38a; --err:#ff6b6b; --run:#f5c451; font: 14px/1.45 ui-sans-serif, system-ui, sans-serif; }
  body { margin:0; background:var(--bg); color:var(--text); display:grid; grid-template-columns: 360px 1fr; grid-template-rows: auto 1fr; height:100vh; }
  header { grid-column: 1 / -1; padding:10px 16px; border-bottom:1px solid var(--line); display:flex; gap:12px; align-items:baseline; }
  header h1 { font-size:16px; margin:0; } header span { color:var(--dim); }
  #list { overflow:auto; border-right:1px solid var(--line); }
  .req { padding:10px 14px; border-bottom:1px solid var(--line); cursor:pointer; }
  .req:hover, .req.sel { background:var(--panel); }
  .req .top { display:flex; justify-content:space-between; gap:8px; }
  .req .model { font-weight:600; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
  .req .meta { color:var(--dim); font-size:12px; }
  .dot { display:inline-block; width:8px; height:8px; border-radius:50%; margin-right:6px; }
  .running { background:var(--run); } .done { background:var(--ok); } .error { background:var(--err); }
  #detail { overflow:auto; padding:16px 20px; }
  #detail h2 { font-size:15px; margin:0 0 4px; } .empty { color:var(--dim); }
  ul.tree { list-style:none; padding-left:18px; margin:0; border-left:1px dashed var(--line); }
  ul.tree.root { padding-left:0; border:none; }
  .node { margin:4px 0; }
  .node > .row { display:flex; gap:10px; align-items:baseline; cursor:pointer; padding:3px 6px; border-radius:4px; }
  .node > .row:hover { background:var(--panel); }
  .kind { font-size:11px; text-transform:uppercase; letter-spacing:.04em; padding:1px 6px; border-radius:3px; background:var(--line); color:var(--dim); }
  .kind.generate { color:#9cc3ff; } .kind.vote { color:#c7a0ff; } .kind.score { color:#7fe0c0; }
  .kind.decision { color:#ffb86b; } .kind.tool { color:#ff9bd2; } .kind.strategy { color:#e6e8ee; }
  .stat { color:var(--dim); font-size:12px; }
  pre { background:var(--panel); border:1px solid var(--line); padding:8px; border-radius:4px; white-space:pre-wrap;
        word-break:break-word; font-size:12px; max-height:360px; overflow:auto; margin:4px 0 8px 6px; }
</style>
</head>
<body>
<header><h1>deliberate</h1><span id="status">connecting…</span></header>
<div id="list"></div>
<div id="detail"><p class="empty">Select a request to see its trace.</p></div>
<script>
const key = new URLSearchParams(location.search).get("key");
const withKey = (path) => key ? path + (path.includes("?") ? "&" : "?") + "key=" + encodeURIComponent(key) : path;
const requests = new Map();
let selected = null;
let trace = null;
const open = new Set();

const esc = (s) => String(s).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
const ms = (node) => node.endedAt ? (node.endedAt - node.startedAt) + " ms" : "running";

function renderList() {
  const items = [...requests.values()].sort((a, b) => b.startedAt - a.startedAt);
  document.getElementById("list").innerHTML = items.map((r) => \`
    <div class="req \${r.traceId === selected ? "sel" : ""}" data-id="\${r.traceId}">
      <div class="top"><span class="model"><span class="dot \${r.status}"></span>\${esc(r.strategy)} · \${esc(r.model)}</span>
      <span class="meta">\${new Date(r.startedAt).toLocaleTimeString()}</span></div>
      <div class="meta">\${r.usage ? r.usage.calls + " calls · " + (r.usage.promptTokens + r.usage.completionTokens) + " tokens" : r.status}
      \${r.endedAt ? " · " + (r.endedAt - r.startedAt) + " ms" : ""}</div>
      \${r.answer ? '<div class="meta">' + esc(r.answer.slice(0, 80)) + "</div>" : ""}
    </div>\`).join("") || '<p class="empty" style="padding:14px">No requests yet.</p>';
  for (const el of document.querySelectorAll(".req")) el.onclick = () => select(el.dataset.id);
}

function nodeStats(node) {
  const d = node.data || {};
  const parts = [ms(node)];
  const completions = d.completions || [];
  const tokens = completions.reduce((s, c) => s + ((c.usage && c.usage.completionTokens) || 0), 0);
  if (completions.length) parts.push(completions.length + " sample" + (completions.length > 1 ? "s" : ""), tokens + " tokens");
  if (typeof d.score === "number") parts.push("score " + d.score.toFixed(3));
  if (d.winner !== undefined) parts.push("winner " + esc(d.winner));
  if (d.reason) parts.push(esc(d.reason));
  return parts.join(" · ");
}

function renderTree(parentId) {
  const children = trace.nodes.filter((n) => (n.parentId || null) === parentId);
  if (!children.length) return "";
  return \`<ul class="tree \${parentId ? "" : "root"}">\${children.map((n) => \`
    <li class="node" data-id="\${n.id}"><div class="row"><span class="kind \${n.kind}">\${n.kind}</span>
      <span>\${esc(n.name)}</span><span class="stat">\${nodeStats(n)}</span></div>
      \${open.has(n.id) ? "<pre>" + esc(JSON.stringify(n.data, null, 2)) + "</pre>" : ""}
      \${renderTree(n.id)}</li>\`).join("")}</ul>\`;
}

function renderDetail() {
  const el = document.getElementById("detail");
  if (!trace) return;
  const r = requests.get(selected) || {};
  el.innerHTML = \`<h2>\${esc(r.strategy || "")} · \${esc(r.model || "")}</h2>
    <p class="stat">trace \${esc(selected)} · \${trace.nodes.length} nodes\${trace.error ? " · error: " + esc(trace.error) : ""}</p>
    \${renderTree(null) || '<p class="empty">No nodes yet.</p>'}\`;
  for (const row of el.querySelectorAll(".node > .row")) {
    row.onclick = () => { const id = row.parentElement.dataset.id; open.has(id) ? open.delete(id) : open.add(id); renderDetail(); };
  }
}

async function select(id) {
  selected = id;
  renderList();
  const res = await fetch(withKey("/api/traces/" + encodeURIComponent(id)));
  if (!res.ok) return;
  const body = await res.json();
  trace = body.trace;
  requests.set(id, body.summary);
  renderDetail();
}

async function start() {
  const res = await fetch(withKey("/api/requests"));
  if (res.ok) for (const r of await res.json()) requests.set(r.traceId, r);
  renderList();
  const events = new EventSource(withKey("/api/events"));
  events.onopen = () => { document.getElementById("status").textContent = "live"; };
  events.onerror = () => { document.getElementById("status").textContent = "reconnecting…"; };
  events.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "request") { requests.set(event.summary.traceId, event.summary); renderList(); return; }
    if (!trace || event.traceId !== selected) return;
    if (event.type === "start") trace.nodes.push(event.node);
    if (event.type === "end") {
      const node = trace.nodes.find((n) => n.id === event.nodeId);
      if (node) { node.endedAt = event.endedAt; Object.assign(node.data, event.data || {}); }
    }
    renderDetail();
  };
}
start();
</script>
</body>
</html>
`;
