// Scripts evaluated in the page, as strings: what the browser itself observes, with nothing of the bench's
// transpiler in them.

/** The active portal pane's rows, or WeTTY's (one terminal per page). */
export const PORTAL_ROWS = `document.querySelector('[data-testid="terminal-pane"]:not([hidden]) .xterm-rows')`;
export const WETTY_ROWS = `document.querySelector('.xterm-rows')`;

/**
 * Records, for each keydown, when the terminal's rows next change in the DOM: the frame that shows the echo.
 * For xterm.js's DOM renderer, the portal's and WeTTY's alike.
 */
export function watchKeystrokesInRows(rows: string): string {
  return `(() => {
    const rows = ${rows};
    window.__bench = { latencies: [], pending: 0 };
    document.addEventListener("keydown", () => { window.__bench.pending = performance.now(); }, true);
    new MutationObserver(() => {
      const b = window.__bench;
      if (b.pending) { b.latencies.push(performance.now() - b.pending); b.pending = 0; }
    }).observe(rows, { subtree: true, childList: true, characterData: true });
  })()`;
}

/**
 * The same for WeTTY's WebGL renderer, whose rows are pixels: the terminal's render event, which the renderer
 * fires from the animation frame in which it drew the changed rows.
 */
export const WATCH_KEYSTROKES_RENDERED = `(() => {
  window.__bench = { latencies: [], pending: 0 };
  document.addEventListener("keydown", () => { window.__bench.pending = performance.now(); }, true);
  window.wetty_term.onRender(() => {
    const b = window.__bench;
    if (b.pending) { b.latencies.push(performance.now() - b.pending); b.pending = 0; }
  });
})()`;

export const KEYSTROKE_LATENCIES = "window.__bench.latencies";

/** The text on screen, read from the DOM rows. */
export function rowsText(rows: string): string {
  return `(${rows}?.innerText ?? "")`;
}

/** The text on screen, read from WeTTY's buffer (its WebGL renderer has no rows in the DOM). */
export const WETTY_BUFFER_TEXT = `(() => {
  const t = window.wetty_term, b = t.buffer.active, lines = [];
  for (let y = 0; y < t.rows; y++) lines.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? "");
  return lines.join("\\n");
})()`;

/** Long tasks (over 50 ms) the page runs from now on, for the longest one while a flood is drawn. */
export const WATCH_LONG_TASKS = `(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: "longtask", buffered: false });
})()`;

export const LONGEST_TASK = "Math.max(0, ...window.__longTasks)";

/** Makes WebGL unavailable, so WeTTY falls back to xterm.js's DOM renderer as it does on machines without it. */
export const NO_WEBGL = `(() => {
  const original = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    return /webgl/i.test(type) ? null : original.call(this, type, ...rest);
  };
})()`;
