import type { Page } from "playwright-core";
import { launchBrowser } from "../../tests/support/browser";
import { activePane, waitForPrompt, waitForText } from "../../tests/support/terminal-page";
import { onCleanup } from "../lib/cleanup";
import { startBenchPortal } from "../lib/portal";
import { progress } from "../lib/progress";
import { median, percentile } from "../lib/stats";
import { KEYSTROKE_LATENCIES, LONGEST_TASK, WATCH_KEYSTROKES, WATCH_LONG_TASKS } from "./in-page";

const KEYS = 100;
const KEY_GAP_MS = 60;
const FLOOD_RUNS = 3;

/**
 * Issue #13's page figures, in Chromium, on the real portal page: keydown to the frame whose DOM shows the echo
 * (100 keys), and `seq 1 1000000` drawn (Enter to the prompt back on screen) with the page's longest task meanwhile.
 * Goals (issue #13): keystroke to screen p50 ≤ 5 ms and p99 ≤ 10 ms. WeTTY's page is not yet measured beside it.
 */
export async function runPageSuite(): Promise<boolean> {
  const portal = await startBenchPortal();
  const browser = await launchBrowser();
  onCleanup("browser", () => browser.close());
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const cookie = await portal.cookieFor({ sub: "bench-page", username: "bench-page" });
  const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
  await context.addCookies([{ name, value, url: portal.url }]);
  const page = await context.newPage();
  progress("opening the workspace page");
  await page.goto(`${portal.url}/workspace`);
  await waitForPrompt(page, 180_000);

  progress(`typing ${KEYS} keys`);
  const latencies = await keystrokes(page);
  progress(`drawing seq 1 1000000, ${FLOOD_RUNS} times`);
  const floods: { seconds: number; longestTaskMs: number }[] = [];
  for (let i = 0; i < FLOOD_RUNS; i++) floods.push(await flood(page, i));

  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log("\n## Page (Chromium): the portal's terminal page\n");
  console.log("| measure | figure | goal |");
  console.log("|---|---|---|");
  console.log(`| keystroke → screen p50 (${latencies.length} keys) | ${p50.toFixed(1)} ms | ≤ 5 ms ${p50 <= 5 ? "(met)" : "(not met)"} |`);
  console.log(`| keystroke → screen p99 | ${p99.toFixed(1)} ms | ≤ 10 ms ${p99 <= 10 ? "(met)" : "(not met)"} |`);
  console.log(`| \`seq 1 1000000\` drawn, median of ${FLOOD_RUNS} | ${median(floods.map((f) => f.seconds)).toFixed(2)} s | ≤ 0.8× WeTTY's (not measured here yet) |`);
  console.log(`| longest task while drawing | ${Math.max(...floods.map((f) => f.longestTaskMs)).toFixed(0)} ms | ≤ 100 ms |`);
  return latencies.length >= KEYS * 0.9 && floods.every((f) => Number.isFinite(f.seconds));
}

async function keystrokes(page: Page): Promise<number[]> {
  await activePane(page).locator(".xterm-helper-textarea").focus();
  await page.keyboard.type("clear\n");
  await page.evaluate(WATCH_KEYSTROKES);
  for (let i = 0; i < KEYS; i++) {
    await page.keyboard.press("a");
    await page.waitForTimeout(KEY_GAP_MS);
  }
  await page.keyboard.press("Control+U");
  return ((await page.evaluate(KEYSTROKE_LATENCIES)) as number[]).slice(0, KEYS); // not the Ctrl+U that clears the line
}

async function flood(page: Page, run: number): Promise<{ seconds: number; longestTaskMs: number }> {
  await page.evaluate(WATCH_LONG_TASKS);
  const marker = `drawn-${run}-${Date.now().toString(36)}`;
  const started = performance.now();
  await page.keyboard.type(`seq 1 1000000; echo ${marker}\n`);
  await waitForText(page, new RegExp(`^${marker}$`, "m"), 120_000);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, longestTaskMs: (await page.evaluate(LONGEST_TASK)) as number };
}
