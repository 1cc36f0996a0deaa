// Scripts evaluated in the page, as strings: what the browser itself observes, with nothing of the bench's
// transpiler in them.

/** Records, for each keydown, when the terminal's rows next change in the DOM: the frame that shows the echo. */
export const WATCH_KEYSTROKES = `(() => {
  const rows = document.querySelector('[data-testid="terminal-pane"]:not([hidden]) .xterm-rows');
  window.__bench = { latencies: [], pending: 0 };
  document.addEventListener("keydown", () => { window.__bench.pending = performance.now(); }, true);
  new MutationObserver(() => {
    const b = window.__bench;
    if (b.pending) { b.latencies.push(performance.now() - b.pending); b.pending = 0; }
  }).observe(rows, { subtree: true, childList: true, characterData: true });
})()`;

export const KEYSTROKE_LATENCIES = "window.__bench.latencies";

/** Long tasks (over 50 ms) the page runs from now on, for the longest one while a flood is drawn. */
export const WATCH_LONG_TASKS = `(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: "longtask", buffered: false });
})()`;

export const LONGEST_TASK = "Math.max(0, ...window.__longTasks)";
