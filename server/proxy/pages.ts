import type { ServerResponse } from "node:http";

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE = `body{font-family:system-ui,sans-serif;background:#f7f8fa;color:#1c2330;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;border:1px solid #dde2ea;border-radius:10px;padding:1.5rem 1.75rem;max-width:34rem}
h1{font-size:1.25rem;margin:0 0 .5rem}p{color:#3d4757;line-height:1.45}code{background:#eef1f5;padding:.1rem .3rem;border-radius:4px}
button,a.button{font:inherit;padding:.5rem 1rem;border-radius:7px;border:0;background:#2457d6;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
ol{padding-left:1.2rem;color:#3d4757}.error{color:#9b2316}`;

function page(title: string, body: string, script = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><style>${STYLE}</style></head><body><main>${body}</main>${script ? `<script>${script}</script>` : ""}</body></html>`;
}

export function sendPage(res: ServerResponse, status: number, title: string, body: string, script = ""): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(page(title, body, script));
}

/** Nothing answered on the port (or it took too long): say so, and offer the obvious next step. */
export function badGatewayPage(res: ServerResponse, what: string, detail: string): void {
  sendPage(
    res,
    502,
    "Nothing answered",
    `<h1>${escape(what)} did not answer</h1><p>${detail}</p><p><button onclick="location.reload()">Retry</button></p>`,
  );
}

export function forbiddenPage(res: ServerResponse): void {
  sendPage(res, 403, "Not your workspace", "<h1>This is not your workspace</h1><p>You can only open your own workspace's editor and ports.</p><p><a class=\"button\" href=\"/\">Go to your dashboard</a></p>");
}

/**
 * Shown when the workspace (or VS Code in it) is not running: it starts them through the portal's API, showing
 * each step, then loads the page that was asked for.
 */
export function startingPage(res: ServerResponse, app: "code" | "workspace"): void {
  const script = `
const list = document.getElementById("steps"), error = document.getElementById("error");
fetch("/api/workspace/start${app === "code" ? "?app=code" : ""}", { method: "POST" }).then(async (r) => {
  if (r.status === 401) { location.href = "/signin?callbackUrl=" + encodeURIComponent(location.pathname + location.search); return; }
  const reader = r.body.getReader(); const decoder = new TextDecoder(); let buf = "", ok = false;
  for (;;) {
    const { value, done } = await reader.read(); buf += decoder.decode(value || new Uint8Array(), { stream: !done });
    let i; while ((i = buf.indexOf("\\n")) >= 0) {
      const m = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
      if (m.progress) { const li = document.createElement("li"); li.textContent = m.progress.message; list.append(li); }
      if (m.status) ok = true;
      if (m.error) error.textContent = m.error.message;
    }
    if (done) break;
  }
  if (ok) location.reload();
}).catch(() => { error.textContent = "The connection to the portal was lost. Reload to try again."; });`;
  sendPage(
    res,
    503,
    "Starting",
    `<h1>Starting your ${app === "code" ? "VS Code" : "workspace"}…</h1><ol id="steps"></ol><p id="error" class="error" role="alert"></p>`,
    script,
  );
}
