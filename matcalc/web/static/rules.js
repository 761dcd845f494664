// The rule catalogue page: one entry per rule (identity and example), anchored #rule-NAME.
"use strict";
document.addEventListener("DOMContentLoaded", async function () {
  const list = document.getElementById("rules");
  const r = await fetch("/api/rules");
  const rules = await r.json();
  for (const rule of rules) {
    const li = document.createElement("li");
    li.id = "rule-" + rule.name;
    li.tabIndex = -1;
    const h = document.createElement("h2");
    h.textContent = rule.title + " ";
    const code = document.createElement("code");
    code.textContent = rule.name;
    h.appendChild(code);
    const m = document.createElement("div");
    m.className = "math";
    try {
      katex.render(rule.latex || rule.identity, m, { displayMode: true, throwOnError: false });
    } catch (e) { m.textContent = rule.identity; }
    li.append(h, m);
    if (rule.example) {
      const p = document.createElement("p");
      p.textContent = "Example: ";
      const a = document.createElement("a");
      a.href = "/?kind=derive&expr=" + encodeURIComponent(rule.example);
      a.textContent = rule.example;
      p.appendChild(a);
      li.appendChild(p);
    }
    if (rule.note) {
      const n = document.createElement("p");
      n.className = "hint";
      n.textContent = rule.note;
      li.appendChild(n);
    }
    list.appendChild(li);
  }
  document.body.dataset.ready = "1";
  if (location.hash) {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) { target.scrollIntoView(); target.focus(); }
  }
});
