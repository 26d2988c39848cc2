"""The page `make serve` shows at `/`: a question box and, for each question asked, the answer
and what it rests on (cited sources, or tool calls).

One self-contained HTML document: no script, style sheet, font or image is fetched from anywhere,
and its Content-Security-Policy allows nothing but this origin and the page's own inline script
(by its hash). Everything the API returns is inserted as text, never as HTML. A project supplies
``ask_script``: the body of ``async function ask(question, entry)``, which calls its API and fills
the entry's ``.a`` (answer), ``.meta`` (how it was made) and ``.sources`` (a list) elements.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

_SHELL_SCRIPT = """
const form = document.getElementById("ask");
const history = document.getElementById("history");
const status = document.getElementById("status");
function entry(question) {
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
function addSource(li, text) {
  const item = document.createElement("li");
  item.textContent = text;
  li.querySelector(".sources").appendChild(item);
}
async function failure(response) {
  try {
    const body = await response.json();
    return typeof body.detail === "string" ? body.detail : response.statusText;
  } catch (error) {
    return response.statusText;
  }
}
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const question = form.question.value.trim();
  if (!question) return;
  const li = entry(question);
  li.dataset.state = "asking";
  status.textContent = "asking…";
  try {
    await ask(question, li);
    li.dataset.state = "done";
  } catch (error) {
    li.querySelector(".a").textContent = `error: ${error.message}`;
    li.dataset.state = "failed";
  }
  status.textContent = "";
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


def script_of(ask_script: str) -> str:
    """The page's one inline script: the project's ``ask`` and the shared form handling."""
    return "async function ask(question, li) {" + ask_script + "}\n" + _SHELL_SCRIPT


def content_security_policy(ask_script: str) -> str:
    """Only this origin, and only the page's own inline script (by its hash)."""
    digest = base64.b64encode(hashlib.sha256(script_of(ask_script).encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def page(title: str, subtitle: str, ask_script: str, placeholder: str = "Ask a question") -> str:
    """The page for a project: ``title``, ``subtitle`` and ``placeholder`` are escaped here."""
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
<form id="ask"><input name="question" maxlength="2000" autocomplete="off" placeholder="{escape(placeholder)}" required>
<button type="submit">Ask</button></form>
<p id="status" aria-live="polite"></p>
<ol id="history"></ol>
<script>{script_of(ask_script)}</script>
</body>
</html>
"""
