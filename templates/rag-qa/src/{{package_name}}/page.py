"""The page `make serve` shows at `/`: a question box, the answer and its cited sources.

One self-contained HTML document: no script, style sheet, font or image is fetched from anywhere,
and its Content-Security-Policy allows nothing but this origin and the page's own inline script
(by its hash). Everything the API returns is inserted as text, never as HTML.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

SCRIPT = """
const form = document.getElementById("ask");
const history = document.getElementById("history");
const status = document.getElementById("status");
function item(question) {
  const li = document.createElement("li");
  for (const [cls, text] of [["q", question], ["label", ""], ["a", "…"], ["meta", ""]]) {
    const el = document.createElement(cls === "q" ? "h2" : "p");
    el.className = cls;
    el.textContent = text;
    li.appendChild(el);
  }
  const sources = document.createElement("ol");
  sources.className = "sources";
  li.appendChild(sources);
  history.prepend(li);
  return li;
}
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const question = form.question.value.trim();
  if (!question) return;
  const li = item(question);
  li.dataset.state = "asking";
  status.textContent = "asking…";
  try {
    const response = await fetch("ask", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({question}),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : response.statusText);
    li.querySelector(".a").textContent = body.answer;
    const total = Object.values(body.timings_ms).reduce((a, b) => a + b, 0);
    li.querySelector(".meta").textContent = `${body.mode} · ${body.model} · ${total.toFixed(0)} ms`;
    for (const c of body.citations) {
      const source = document.createElement("li");
      source.textContent = `[${c.number}] ${c.title} (${c.doc_id})`;
      li.querySelector(".sources").appendChild(source);
    }
    li.dataset.state = "done";
    status.textContent = "";
  } catch (error) {
    li.querySelector(".a").textContent = `error: ${error.message}`;
    li.dataset.state = "failed";
    status.textContent = "";
  }
});
"""

STYLE = """
body { font: 16px/1.45 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
header p { color: #5a6275; margin-top: 0; }
form { display: flex; gap: .5rem; margin: 1.5rem 0; }
input { flex: 1; font: inherit; padding: .6rem .8rem; border: 1px solid #b8bfcc; border-radius: .4rem; }
button { font: inherit; padding: .6rem 1.2rem; border: 0; border-radius: .4rem; background: #2f5bd3; color: #fff; }
ol#history { list-style: none; padding: 0; }
ol#history > li { border: 1px solid #d9dde5; border-radius: .5rem; padding: .8rem 1rem; margin-bottom: 1rem; }
h2.q { font-size: 1.05rem; margin: 0 0 .4rem; }
p.label { font-size: .8rem; margin: 0; color: #2d7a46; }
p.label:empty, p.meta:empty { display: none; }
p.meta { font-size: .8rem; color: #5a6275; }
ol.sources { font-size: .9rem; color: #33405a; }
"""


def _hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


# Only this origin, and only the inline script above (by its hash)
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; script-src '{_hash(SCRIPT)}'; style-src 'unsafe-inline'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def page(title: str, subtitle: str) -> str:
    """The page for a project: ``title`` and ``subtitle`` are the project's own (escaped here)."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>
<form id="ask"><input name="question" maxlength="2000" autocomplete="off" placeholder="Ask a question" required>
<button type="submit">Ask</button></form>
<p id="status" aria-live="polite"></p>
<ol id="history"></ol>
<script>{SCRIPT}</script>
</body>
</html>
"""
