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

/** A link to an app that cannot be used (spent, expired, signed out): say so, and offer to open the app afresh. */
export function signedOutPage(res: ServerResponse, status: number, message: string, reopenUrl: string): void {
  sendPage(
    res,
    status,
    "Open the app again",
    `<h1>${escape(message)}</h1><p>Open it again from the portal; you will be asked to sign in if you are not.</p><p><a class="button" href="${escape(reopenUrl)}">Open again</a></p>`,
  );
}
