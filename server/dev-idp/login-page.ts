import { DEV_USERS } from "./users";

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The development provider's sign-in form: plain HTML, so it works without the portal's front end. */
export function loginPage(action: string, error?: string, username = ""): string {
  const users = DEV_USERS.map((u) => `<li><code>${escape(u.username)}</code> / <code>${escape(u.password)}</code></li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development sign-in</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1c2330;display:grid;place-items:center;min-height:100vh;margin:0}
form{background:#fff;border:1px solid #dde2ea;border-radius:10px;padding:1.5rem 1.75rem;width:min(22rem,92vw)}
h1{font-size:1.2rem;margin:0 0 .25rem}p{color:#5b6678;font-size:.9rem;margin:.25rem 0 1rem}
label{display:block;font-size:.9rem;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;font-size:1rem;border:1px solid #c5ccd8;border-radius:6px;box-sizing:border-box}
button{margin-top:1.1rem;width:100%;padding:.6rem;font-size:1rem;border:0;border-radius:6px;background:#2457d6;color:#fff;cursor:pointer}
.error{color:#c0392b;font-weight:600}.note{font-size:.8rem}ul{padding-left:1.1rem;margin:.25rem 0 0}
</style></head><body>
<form method="post" action="${escape(action)}">
<h1>Development sign-in</h1>
<p>The portal's embedded identity provider, for local use. Production signs in through the Django site.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ""}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" value="${escape(username)}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
<p class="note">Demo accounts:</p><ul class="note">${users}</ul>
</form></body></html>`;
}
