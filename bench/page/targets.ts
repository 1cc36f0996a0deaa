import type { Browser, Page } from "playwright-core";
import { waitForPrompt } from "../lib/fixtures";
import type { BenchPortal } from "../lib/portal";
import {
  NO_WEBGL,
  PORTAL_ROWS,
  WATCH_KEYSTROKES_RENDERED,
  WETTY_BUFFER_TEXT,
  WETTY_ROWS,
  rowsText,
  watchKeystrokesInRows,
} from "./in-page";

/** One terminal page measured by the page suite, and how the browser sees its screen. */
export interface PageTarget {
  name: string;
  /** How a keystroke's arrival on screen is observed (the same for the targets that share a renderer). */
  method: string;
  page: Page;
  /** An in-page expression for the text on screen. */
  screenText: string;
  /** An in-page script that records keydown → screen latencies into window.__bench. */
  watchKeystrokes: string;
  /** Focuses the terminal's input. */
  focus(): Promise<void>;
}

// The page's CSP forbids the string predicates the bench evaluates (WeTTY's default-src 'none'); bypassing it
// changes nothing about how either page draws.
const CONTEXT = { viewport: { width: 1200, height: 800 }, bypassCSP: true };

export async function portalTarget(browser: Browser, portal: BenchPortal, username: string): Promise<PageTarget> {
  const context = await browser.newContext(CONTEXT);
  const cookie = await portal.cookieFor({ sub: `bench-${username}`, username });
  const split = cookie.indexOf("=");
  await context.addCookies([{ name: cookie.slice(0, split), value: cookie.slice(split + 1), url: portal.url }]);
  const page = await context.newPage();
  await page.goto(`${portal.url}/workspace`);
  await waitForPrompt(page, 180_000);
  return {
    name: "portal (DOM renderer)",
    method: "keydown → rows changed in the DOM",
    page,
    screenText: rowsText(PORTAL_ROWS),
    watchKeystrokes: watchKeystrokesInRows(PORTAL_ROWS),
    focus: () => page.locator('[data-testid="terminal-pane"]:not([hidden]) .xterm-helper-textarea').focus(),
  };
}

export async function wettyTarget(browser: Browser, url: string, renderer: "dom" | "webgl"): Promise<PageTarget> {
  const context = await browser.newContext(CONTEXT);
  if (renderer === "dom") await context.addInitScript(NO_WEBGL);
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.waitForFunction("window.wetty_term && window.wetty_term.buffer.active.length > 0", null, { timeout: 60_000 });
  const screenText = renderer === "dom" ? rowsText(WETTY_ROWS) : WETTY_BUFFER_TEXT;
  await page.waitForFunction(`/[$#] *$/m.test(${screenText})`, null, { timeout: 60_000 });
  return {
    name: renderer === "dom" ? "WeTTY 3.2 (DOM renderer)" : "WeTTY 3.2 (WebGL, software GL)",
    method: renderer === "dom" ? "keydown → rows changed in the DOM" : "keydown → xterm.js render event",
    page,
    screenText,
    watchKeystrokes: renderer === "dom" ? watchKeystrokesInRows(WETTY_ROWS) : WATCH_KEYSTROKES_RENDERED,
    focus: () => page.locator(".xterm-helper-textarea").focus(),
  };
}
