// matcalc serve: the page. No inline script (the CSP forbids it); user text is only ever
// set as textContent or passed to KaTeX (trust off), never as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const HINTS = {
    wrt: ["x  or  x,y", "Variables to differentiate by"],
    where: ["g1 = x^2; g2 = 3x", "Named intermediate variables"],
    shapes: ["x:n; A:n,n", "Vectors and matrices (';' between them)"],
    dims: ["n=3", "Show components at these sizes"],
    at: ["a=5, b=3, c=2", "Point for the forward pass"],
    name: ["J", "Name of the output node"],
    layout: ["", "numerator: J[i, j] = df_i/dx_j; denominator: its transpose"],
    form: ["", "with shapes: kron (d vec F / d vec X) or vjp (dL/dX)"],
    answer: ["6x^2 cot(x^3)", "The answer to check"],
    derivation: ["d/dx sin(x^2)\n= cos(x^2) 2x", "A derivation to check, line by line"],
    program: ["X: nx, m\n...", "With a derivation: the forward program"],
    order: ["1", "The N-th derivative (0 to 12)"],
    assume: ["spd(S); sum(y) = 1; x > 0", "Facts the derivation may use (';' between)"],
    from: ["", "Input syntax: auto (LaTeX when it has \\ or a brace), plain, latex"],
    detail: ["", "normal: a linear inner chain is one step; full: every sub-step"],
    verify: ["", "verify numerically"],
    simplify: ["", "simplify at the end"],
    steps: ["", "show the steps"],
    points: ["", "points of the numeric check"],
    seed: ["", "seed of the sample points"],
    timeout: ["", "simplify seconds (a safety net)"],
  };
  // fields shown under "Checking and simplifying"; the other common ones beside the input
  const ADVANCED = ["verify", "simplify", "steps", "points", "seed", "timeout"];
  const MULTILINE = ["derivation", "program"];
  const SUBJECT_LABEL = { expr: "Expression", program: "Forward program" };
  let kinds = [];
  let config = {};
  let last = null;          // {kind, body, bundle}
  let previewTimer = null;
  let previewAbort = null;

  function math(el, latex, display) {
    try {
      katex.render(latex, el, { displayMode: display !== false, throwOnError: false,
        trust: false, strict: "ignore", maxExpand: 2000, output: "htmlAndMathml" });
    } catch (e) {
      el.textContent = latex;
    }
  }

  function status(text) { $("status").textContent = text; }

  function kindOf(name) { return kinds.find((k) => k.name === name) || kinds[0]; }

  function listy(types) { return types.includes("list") && !types.includes("str"); }

  function fieldsOf(kind) { return kind.fields.concat(kind.common || []); }

  function isBool(f) { return f.types.length === 1 && f.types[0] === "bool"; }

  function numeric(f) { return f.min !== undefined && f.min !== null; }

  // the value to send for field f, or null for the CLI's default (nothing sent)
  function fieldValue(f, input) {
    if (isBool(f)) {
      return input.checked === (f.default !== false) ? null : input.checked;
    }
    const text = input.value.trim();
    if (!text) return null;
    if (f.choices && f.choices.length) return text === f.default ? null : text;
    if (numeric(f) || (f.types.includes("int") && !f.types.includes("str"))) {
      const n = Number(text);
      if (text === "" || Number.isNaN(n)) return text;   // the server says what is wrong
      if (f.integer && !Number.isInteger(n)) return text;
      return n === f.default ? null : n;
    }
    if (listy(f.types) || f.name === "assume") {
      return text.split(/\s*[;\n]\s*/).filter((s) => s.length);
    }
    return input.value.includes("\n") ? input.value : text;
  }

  function control(f, keep) {
    const id = "field-" + f.name;
    const hint = HINTS[f.name] || HINTS[f.option] || ["", ""];
    const wrap = document.createElement("div");
    wrap.className = "field";
    const label = document.createElement("label");
    label.htmlFor = id;
    let input;
    if (isBool(f)) {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = keep !== undefined ? keep === "true" : f.default !== false;
    } else if (f.choices && f.choices.length) {
      input = document.createElement("select");
      for (const c of f.choices) {
        const o = document.createElement("option");
        o.value = c; o.textContent = c;
        input.appendChild(o);
      }
      input.value = keep !== undefined && f.choices.includes(keep) ? keep : f.default;
    } else {
      input = document.createElement(MULTILINE.includes(f.name) ? "textarea" : "input");
      if (input.tagName === "INPUT") input.type = "text";
      else input.rows = 4;
      if (numeric(f)) {
        input.inputMode = f.integer ? "numeric" : "decimal";
        input.placeholder = f.default === null || f.default === undefined
          ? (hint[0] || f.min + " to " + f.max) : String(f.default);
      } else {
        input.placeholder = hint[0];
      }
      input.spellcheck = false;
      input.value = keep || "";
    }
    input.id = id; input.dataset.field = f.name;
    input.title = f.flag + (numeric(f) ? " (" + f.min + " to " + f.max + ")" : "");
    if (f.option === "shapes" || f.name === "from") {
      input.addEventListener(f.name === "from" ? "change" : "input", schedulePreview);
    }
    const small = document.createElement("span");
    small.className = "hint";
    small.textContent = hint[1];
    if (isBool(f)) {
      label.append(input, " ", small);
      wrap.appendChild(label);
    } else {
      label.textContent = f.name + " ";
      label.appendChild(small);
      wrap.append(label, input);
    }
    return wrap;
  }

  function buildFields() {
    const kind = kindOf($("kind").value);
    const boxes = [$("kind-fields"), $("input-fields"), $("advanced-fields")];
    const keep = {};
    for (const box of boxes) {
      box.querySelectorAll("[data-field]").forEach((i) => {
        keep[i.dataset.field] = i.type === "checkbox" ? String(i.checked) : i.value;
      });
      box.textContent = "";
    }
    for (const f of kind.fields) boxes[0].appendChild(control(f, keep[f.name]));
    for (const f of kind.common || []) {
      boxes[ADVANCED.includes(f.name) ? 2 : 1].appendChild(control(f, keep[f.name]));
    }
    $("advanced").hidden = !(kind.common || []).some((f) => ADVANCED.includes(f.name));
    $("kind-summary").textContent = kind.summary;
    $("subject-label").textContent = SUBJECT_LABEL[kind.subject] || kind.subject;
    $("expr").rows = kind.subject === "program" ? 8 : 2;
    $("expr").placeholder = kind.subject === "program"
      ? "X: nx, m\nW1: n1, nx\nb1: n1\nZ1 = W1 @ X + b1\nA1 = tanh(Z1)\nJ = sum(A1) / m"
      : "ln(sin(x^3)^2)   or LaTeX: \\ln(\\sin(x^3)^2)";
    $("check").hidden = !["derive", "grad", "jacobian", "hessian"].includes(kind.name);
    schedulePreview();
  }

  function body() {
    const kind = kindOf($("kind").value);
    const out = {};
    out[kind.subject] = $("expr").value;
    for (const f of fieldsOf(kind)) {
      const input = $("field-" + f.name);
      if (!input) continue;
      const v = fieldValue(f, input);
      if (v !== null) out[f.name] = v;
    }
    return out;
  }

  async function post(url, data, signal) {
    const r = await fetch(url, { method: "POST", signal: signal,
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
    return r;
  }

  function showError(err) {
    const box = $("error");
    if (!err) { box.hidden = true; $("expr").removeAttribute("aria-invalid"); return; }
    $("error-message").textContent = err.error || String(err);
    $("error-caret").textContent = (err.caret || []).join("\n");
    $("error-caret").hidden = !(err.caret && err.caret.length);
    box.hidden = false;
    $("expr").setAttribute("aria-invalid", "true");
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(runPreview, 250);
  }

  async function runPreview() {
    const kind = kindOf($("kind").value);
    const text = $("expr").value;
    const box = $("preview");
    if (kind.subject !== "expr" || !text.trim()) { box.textContent = ""; showError(null); return; }
    if (previewAbort) previewAbort.abort();
    previewAbort = new AbortController();
    const shapeInput = $("field-shape");
    const data = { expr: text };
    if (shapeInput && shapeInput.value.trim()) {
      data.shape = shapeInput.value.trim().split(/\s*[;\n]\s*/).filter((s) => s);
    }
    const fromInput = $("field-from");
    if (fromInput && fromInput.value !== "auto") data.from = fromInput.value;
    try {
      const r = await post("/ui/preview", data, previewAbort.signal);
      const j = await r.json();
      if (r.ok) { showError(null); box.textContent = ""; if (j.latex) math(box, j.latex); }
      else { showError(j); }
    } catch (e) { if (e.name !== "AbortError") status("preview unavailable"); }
  }

  function verificationLine(v) {
    const el = $("verification");
    el.className = "verification";
    if (!v) { el.textContent = "Not checked numerically."; return; }
    el.classList.add(v.status);
    if (v.status === "passed") {
      el.textContent = "\u2713 Verified numerically: " + v.method + "; max relative error "
        + Number(v.max_rel_error).toExponential(1) + " (tolerance "
        + Number(v.tolerance).toExponential(0) + ").";
    } else if (v.status === "failed") {
      el.textContent = "\u2717 The numeric check failed: " + (v.message || v.method);
    } else {
      el.textContent = "Not verified: " + (v.message || "the check was skipped");
    }
  }

  function stepItem(s) {
    const li = document.createElement("li");
    li.className = "step";
    const head = document.createElement("div");
    head.className = "step-head";
    const num = document.createElement("span");
    num.className = "step-number";
    num.textContent = s.number ? s.number + "." : "\u00b7";
    const rule = document.createElement("a");
    rule.className = "step-rule";
    rule.href = "/rules#rule-" + encodeURIComponent(s.rule);
    rule.textContent = s.title || s.rule;
    rule.title = "The catalogue entry of " + s.rule;
    const copy = document.createElement("button");
    copy.type = "button";
    copy.textContent = "Copy LaTeX";
    copy.setAttribute("aria-label", "Copy the LaTeX of step " + (s.number || s.title));
    copy.addEventListener("click", () => copyText(s.latex, "step LaTeX"));
    head.append(num, rule, copy);
    li.appendChild(head);
    if (s.description) {
      const p = document.createElement("p");
      p.className = "step-desc";
      p.textContent = s.description;
      li.appendChild(p);
    }
    const m = document.createElement("div");
    m.className = "step-math";
    math(m, s.latex);
    li.appendChild(m);
    if (s.children && s.children.length) {
      const det = document.createElement("details");
      const sum = document.createElement("summary");
      sum.textContent = s.children.length + " sub-step" + (s.children.length > 1 ? "s" : "");
      det.appendChild(sum);
      const ol = document.createElement("ol");
      s.children.forEach((c) => ol.appendChild(stepItem(c)));
      det.appendChild(ol);
      li.appendChild(det);
    }
    return li;
  }

  function texName(name) {
    // a variable's name as TeX: w1 -> w_{1}, theta_1 -> theta_{1}; letters and digits only
    const m = /^([A-Za-z]+)_?(\d+)$/.exec(name);
    return m ? m[1] + "_{" + m[2] + "}" : name.replace(/[^A-Za-z0-9]/g, "");
  }

  function answerLatex(j) {
    const parts = [];
    const out = texName(j.output || (j.kind === "backprop" ? "J" : "f"));
    for (const [key, r] of Object.entries(j.results || {})) {
      if (r.latex === undefined) continue;
      let lhs = r.lhs_latex;
      if (!lhs) {
        lhs = key === "jacobian" ? "J"
          : "\\frac{\\partial " + out + "}{\\partial " + texName(key) + "}";
      }
      let value = "";
      if (r.value !== undefined && r.value !== null && r.value !== r.result
          && /^[-+0-9./ ]+$/.test(String(r.value))) {
        value = " = " + String(r.value).replace(/^(-?\d+)\/(\d+)$/, "\\tfrac{$1}{$2}");
      }
      parts.push(lhs + " = " + r.latex + value);
    }
    return parts;
  }

  function b64(text) {
    const bytes = new TextEncoder().encode(text);
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }

  function showResult(bundle) {
    const j = bundle.json;
    const ans = $("answer");
    ans.textContent = "";
    for (const t of answerLatex(j).slice(0, 40)) {
      const d = document.createElement("div");
      math(d, t);
      ans.appendChild(d);
    }
    verificationLine(j.verification);
    const steps = $("steps");
    steps.textContent = "";
    (j.steps || []).forEach((s) => steps.appendChild(stepItem(s)));
    if (bundle.svg) {
      $("graph-img").src = "data:image/svg+xml;base64," + b64(bundle.svg);
      $("graph").hidden = false;
    } else {
      $("graph").hidden = true;
      $("graph-img").removeAttribute("src");
    }
    $("dl-pdf").disabled = !config.pdf;
    $("dl-pdf").title = config.pdf ? "" : "pdflatex is not installed on the server";
    $("check-result").textContent = "";
    $("result").hidden = false;
  }

  function shareUrl() {
    const params = new URLSearchParams();
    params.set("kind", $("kind").value);
    const b = body();
    for (const [k, v] of Object.entries(b)) {
      params.set(k, Array.isArray(v) ? v.join("; ") : String(v));
    }
    return location.origin + location.pathname + "?" + params.toString();
  }

  async function derive(ev) {
    if (ev) ev.preventDefault();
    const kind = $("kind").value;
    const data = body();
    history.replaceState(null, "", shareUrl());
    $("go").disabled = true;
    status("Deriving\u2026");
    try {
      const r = await post("/ui/page/" + encodeURIComponent(kind), data);
      const j = await r.json();
      if (!r.ok) {
        showError(j);
        $("result").hidden = true;
        status(r.status === 429 ? "The server is busy." : "");
        return;
      }
      showError(null);
      last = { kind: kind, body: data, bundle: j };
      showResult(j);
      status("Done.");
    } catch (e) {
      showError({ error: "error: the server did not answer (" + e.message + ")" });
      status("");
    } finally {
      $("go").disabled = false;
    }
  }

  async function copyText(text, what) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const t = document.createElement("textarea");
      t.value = text; document.body.appendChild(t); t.select();
      document.execCommand("copy"); t.remove();
    }
    status("Copied " + what + ".");
  }

  function download(name, data, type) {
    const url = URL.createObjectURL(new Blob([data], { type: type }));
    const a = document.createElement("a");
    a.href = url; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status("Downloaded " + name + ".");
  }

  async function downloadPdf() {
    if (!last) return;
    status("Compiling the PDF\u2026");
    const r = await post("/ui/pdf/" + encodeURIComponent(last.kind), last.body);
    if (!r.ok) { const j = await r.json(); status(j.error || "no PDF"); return; }
    download("derivation.pdf", await r.blob(), "application/pdf");
  }

  async function checkAnswer(ev) {
    ev.preventDefault();
    if (!last) return;
    const out = $("check-result");
    out.className = "";
    out.textContent = "Checking\u2026";
    const data = Object.assign({}, last.body, { answer: $("my-answer").value });
    const r = await post("/ui/answer/" + encodeURIComponent(last.kind), data);
    const j = await r.json();
    if (!r.ok) { out.className = "wrong"; out.textContent = j.error; return; }
    out.className = j.correct ? "right" : "wrong";
    out.textContent = j.correct ? "\u2713 Right: your answer equals the derived one."
      : "\u2717 Not the same function. matcalc derived: " + j.expected;
  }

  function fromUrl() {
    const params = new URLSearchParams(location.search);
    if (!params.has("kind")) return false;
    const kind = params.get("kind");
    if (kinds.some((k) => k.name === kind)) $("kind").value = kind;
    buildFields();
    const k = kindOf($("kind").value);
    $("expr").value = params.get(k.subject) || "";
    for (const f of fieldsOf(k)) {
      const input = $("field-" + f.name);
      if (!params.has(f.name) || !input) continue;
      if (input.type === "checkbox") input.checked = params.get(f.name) === "true";
      else input.value = params.get(f.name);
    }
    return $("expr").value.trim().length > 0;
  }

  async function init() {
    const r = await fetch("/api/kinds");
    const j = await r.json();
    kinds = j.kinds; config = j;
    const sel = $("kind");
    for (const k of kinds) {
      const o = document.createElement("option");
      o.value = k.name; o.textContent = k.name;
      sel.appendChild(o);
    }
    sel.addEventListener("change", buildFields);
    $("expr").addEventListener("input", schedulePreview);
    $("expr").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) derive(e);
    });
    $("form").addEventListener("submit", derive);
    $("share").addEventListener("click", () => copyText(shareUrl(), "link"));
    $("copy-latex").addEventListener("click", () => last && copyText(last.bundle.latex || "", "LaTeX"));
    $("copy-numpy").addEventListener("click", () => last && copyText(last.bundle.numpy || "", "NumPy code"));
    $("copy-json").addEventListener("click", () => last && copyText(JSON.stringify(last.bundle.json, null, 2) + "\n", "JSON"));
    $("dl-tex").addEventListener("click", () => last && download("derivation.tex", last.bundle.tex || "", "application/x-tex"));
    $("dl-notes").addEventListener("click", () => last && download("derivation.toml", last.bundle.notes || "", "application/toml"));
    $("dl-pdf").addEventListener("click", downloadPdf);
    $("check-form").addEventListener("submit", checkAnswer);
    if (fromUrl()) derive(); else buildFields();
    document.body.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", init);
})();
