// interp web UI script: the API key field (kept in localStorage), the jobs page (submit, cancel, live progress over
// server-sent events) and the chat page (streamed answer with each tool call shown). No framework, no CDN.
"use strict";
const interp = (() => {
  const keyInput = document.getElementById("apikey");
  if (keyInput) {
    keyInput.value = localStorage.getItem("interp.apikey") || "";
    keyInput.addEventListener("change", () => localStorage.setItem("interp.apikey", keyInput.value));
  }
  const key = () => (keyInput && keyInput.value) || localStorage.getItem("interp.apikey") || "";
  const headers = () => ({ "Content-Type": "application/json", "X-Api-Key": key() });
  const text = (s) => document.createTextNode(s == null ? "" : String(s));

  async function problem(resp) {
    try { const p = await resp.json(); return (p.title || resp.status) + (p.detail ? ": " + p.detail : ""); }
    catch { return "HTTP " + resp.status; }
  }

  function row(job) {
    let tr = document.getElementById("job-" + job.id);
    if (!tr) {
      tr = document.createElement("tr");
      tr.id = "job-" + job.id;
      for (let i = 0; i < 6; i++) tr.appendChild(document.createElement("td"));
      tr.cells[0].appendChild(text(job.id));
      tr.cells[1].appendChild(text(job.kind || ""));
      tr.cells[3].innerHTML = '<progress max="100"></progress> <span class="count"></span>';
      tr.cells[5].innerHTML = '<button data-watch="' + job.id + '">watch</button> <button data-cancel="' + job.id + '">cancel</button> <button data-retry="' + job.id + '">retry</button>';
      const body = document.getElementById("jobs").tBodies[0];   // the header row is the body's first row
      body.insertBefore(tr, body.rows[1] || null);
    }
    tr.dataset.state = job.state;
    tr.cells[2].className = "state " + job.state;
    tr.cells[2].textContent = job.state;
    const p = tr.cells[3].querySelector("progress");
    if (job.total > 0) p.value = Math.round(100 * job.done / job.total); else p.removeAttribute("value");
    tr.cells[3].querySelector(".count").textContent = job.done + (job.total >= 0 ? "/" + job.total : "");
    tr.cells[4].textContent = job.error || job.message || "";
    return tr;
  }

  function watch(id) {
    const log = document.getElementById("log");
    const es = new EventSource("/api/jobs/" + id + "/events");
    es.addEventListener("progress", (e) => row(JSON.parse(e.data)));
    es.addEventListener("log", (e) => { const l = JSON.parse(e.data); log.textContent += "[" + id + "] " + l.level + ": " + l.text + "\n"; log.scrollTop = log.scrollHeight; });
    es.addEventListener("end", (e) => { row(JSON.parse(e.data)); es.close(); });
    es.onerror = () => es.close();
  }

  function jobsPage() {
    document.getElementById("submit").addEventListener("submit", async (e) => {
      e.preventDefault();
      const status = document.getElementById("submit-status");
      let args;
      try { args = JSON.parse(document.getElementById("args").value || "{}"); } catch { status.textContent = "arguments are not valid JSON"; return; }
      const resp = await fetch("/api/jobs", { method: "POST", headers: headers(), body: JSON.stringify({ kind: document.getElementById("kind").value, args }) });
      if (!resp.ok) { status.textContent = await problem(resp); return; }
      const job = await resp.json();
      status.textContent = "submitted job " + job.id;
      row(job);
      watch(job.id);
    });
    document.getElementById("jobs").addEventListener("click", async (e) => {
      const w = e.target.dataset.watch, c = e.target.dataset.cancel, r = e.target.dataset.retry;
      if (w) watch(w);
      if (c || r) {   // cancel shows on queued and running jobs, retry on failed and cancelled ones (app.css)
        const resp = await fetch("/api/jobs/" + (c || r) + (c ? "/cancel" : "/retry"), { method: "POST", headers: headers() });
        if (!resp.ok) { document.getElementById("submit-status").textContent = await problem(resp); return; }
        if (r) { row(await resp.json()); watch(r); }
      }
    });
    for (const tr of document.querySelectorAll("#jobs tr[data-state]"))
      if (tr.dataset.state === "queued" || tr.dataset.state === "running") watch(tr.id.substring(4));
  }

  function add(cls, content) {
    const div = document.createElement("div");
    div.className = cls;
    div.appendChild(text(content));
    document.getElementById("chat").appendChild(div);
    return div;
  }

  function chatPage() {
    let conversation = null;
    document.getElementById("ask").addEventListener("submit", async (e) => {
      e.preventDefault();
      const q = document.getElementById("question");
      const question = q.value.trim();
      if (!question) return;
      q.value = "";
      add("msg-user", question);
      const resp = await fetch("/api/chat", { method: "POST", headers: headers(), body: JSON.stringify({ question, conversation }) });
      if (!resp.ok) { add("msg-error", await problem(resp)); return; }
      const answer = add("msg-assistant", "");
      const reader = resp.body.getReader();
      const dec = new TextDecoder();
      let buf = "", full = "";   // the server keeps the conversation (its transcript); we send only its id
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const chunk = buf.substring(0, i); buf = buf.substring(i + 2);
          const ev = (chunk.match(/^event: (.*)$/m) || [])[1], data = (chunk.match(/^data: (.*)$/m) || [])[1];
          if (!data) continue;
          const d = JSON.parse(data);
          if (ev === "conversation") conversation = d.id;
          else if (ev === "tool_call") document.getElementById("chat").insertBefore(Object.assign(document.createElement("div"), { className: "msg-tool", textContent: "→ " + d.name + " " + d.arguments }), answer);
          else if (ev === "tool_result") document.getElementById("chat").insertBefore(Object.assign(document.createElement("div"), { className: "msg-tool", textContent: "← " + d.name + ": " + d.result }), answer);
          else if (ev === "text") { full += d.text; answer.textContent = full; }
          else if (ev === "error" || ev === "limit") add("msg-error", d.detail || d.title);
        }
      }
    });
  }

  return { jobsPage, chatPage, watch };
})();
