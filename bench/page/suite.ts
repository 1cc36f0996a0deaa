import { launchBrowser } from "../lib/fixtures";
import { onCleanup } from "../lib/cleanup";
import { startBenchPortal } from "../lib/portal";
import { progress } from "../lib/progress";
import { median, percentile } from "../lib/stats";
import { startWetty } from "../lib/wetty-server";
import { KEYSTROKE_LATENCIES, LONGEST_TASK, WATCH_LONG_TASKS } from "./in-page";
import { portalTarget, wettyTarget, type PageTarget } from "./targets";

// 200, so p99 is not simply the slowest key of the run.
const KEYS = 200;
const KEY_GAP_MS = 60;
const FLOOD_RUNS = 3;
const USER = "bench-page";

interface Figures {
  latencies: number[];
  floods: { seconds: number; longestTaskMs: number }[];
}

/**
 * Issue #13's page figures in Chromium, the portal's page beside WeTTY's in the same run and on the same
 * workspace container: keydown to the frame that shows the echo (200 keys), and `seq 1 1000000` drawn (Enter to
 * the line after it on screen) with the page's longest task meanwhile. WeTTY is measured with its DOM renderer
 * (as the portal draws, observed the same way) and with its WebGL one (Chromium here has no GPU, so that is
 * SwiftShader's software GL; observed through xterm.js's render event). Floods alternate between the pages.
 * Goals: keystroke to screen p50 ≤ 5 ms and p99 ≤ 10 ms; drawing ≤ 0.8× WeTTY's time, longest task ≤ 100 ms.
 */
export async function runPageSuite(): Promise<boolean> {
  const portal = await startBenchPortal();
  const browser = await launchBrowser();
  onCleanup("browser", () => browser.close());
  progress("opening the portal's workspace page");
  const mine = await portalTarget(browser, portal, USER);
  const wetty = await startWetty(await portal.containerOf(USER));
  onCleanup("WeTTY", () => wetty.stop());
  progress("opening WeTTY's page, DOM and WebGL");
  const wettyDom = await wettyTarget(browser, wetty.url, "dom");
  const wettyGl = await wettyTarget(browser, wetty.url, "webgl");
  const targets = [mine, wettyDom, wettyGl];

  const figures = new Map<PageTarget, Figures>(targets.map((t) => [t, { latencies: [], floods: [] }]));
  for (const target of targets) {
    progress(`${target.name}: typing ${KEYS} keys`);
    figures.get(target)!.latencies = await keystrokes(target);
  }
  for (let run = 0; run < FLOOD_RUNS; run++) {
    for (const target of targets) {
      progress(`${target.name}: drawing seq 1 1000000 (${run + 1}/${FLOOD_RUNS})`);
      figures.get(target)!.floods.push(await flood(target, run));
    }
  }
  report(targets, figures, { portal: mine, wettyDom, wettyGl });
  return targets.every((t) => {
    const f = figures.get(t)!;
    return f.latencies.length >= KEYS * 0.9 && f.floods.every((x) => Number.isFinite(x.seconds));
  });
}

async function keystrokes(target: PageTarget): Promise<number[]> {
  const { page } = target;
  await target.focus();
  await page.keyboard.type("clear\n");
  await page.waitForTimeout(500);
  await page.evaluate(target.watchKeystrokes);
  for (let i = 0; i < KEYS; i++) {
    await page.keyboard.press("a");
    await page.waitForTimeout(KEY_GAP_MS);
  }
  const latencies = ((await page.evaluate(KEYSTROKE_LATENCIES)) as number[]).slice(0, KEYS);
  await page.keyboard.press("Control+U");
  return latencies;
}

async function flood(target: PageTarget, run: number): Promise<{ seconds: number; longestTaskMs: number }> {
  const { page } = target;
  await target.focus();
  await page.evaluate(WATCH_LONG_TASKS);
  const marker = `drawn-${run}-${Date.now().toString(36)}`;
  const done = `/^${marker}\\s*$/m.test(${target.screenText})`;
  const started = performance.now();
  await page.keyboard.type(`seq 1 1000000; echo ${marker}\n`);
  await page.waitForFunction(done, null, { polling: "raf", timeout: 180_000 });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, longestTaskMs: (await page.evaluate(LONGEST_TASK)) as number };
}

function report(
  targets: PageTarget[],
  figures: Map<PageTarget, Figures>,
  { portal, wettyDom, wettyGl }: Record<"portal" | "wettyDom" | "wettyGl", PageTarget>,
): void {
  const drawn = (t: PageTarget) => median(figures.get(t)!.floods.map((f) => f.seconds));
  console.log("\n## Page (Chromium): the portal's terminal page beside WeTTY's, same run, same container\n");
  console.log("| page | keystroke → screen p50 / p99 | `seq 1 1000000` drawn, median of 3 | longest task | observed as |");
  console.log("|---|---|---|---|---|");
  for (const t of targets) {
    const f = figures.get(t)!;
    const p50 = percentile(f.latencies, 50).toFixed(1);
    const p99 = percentile(f.latencies, 99).toFixed(1);
    const longest = longTask(Math.max(...f.floods.map((x) => x.longestTaskMs)));
    console.log(`| ${t.name} | ${p50} / ${p99} ms (${f.latencies.length} keys) | ${drawn(t).toFixed(2)} s | ${longest} | ${t.method} |`);
  }
  const mine = figures.get(portal)!;
  const p50 = percentile(mine.latencies, 50);
  const p99 = percentile(mine.latencies, 99);
  const longest = Math.max(...mine.floods.map((f) => f.longestTaskMs));
  const vsDom = drawn(portal) / drawn(wettyDom);
  const vsGl = drawn(portal) / drawn(wettyGl);
  const verdict = (met: boolean) => (met ? "(met)" : "(not met)");
  console.log("\n| goal (issue #13) | measured | verdict |");
  console.log("|---|---|---|");
  console.log(`| keystroke → screen p50 ≤ 5 ms | ${p50.toFixed(1)} ms | ${verdict(p50 <= 5)} |`);
  console.log(`| keystroke → screen p99 ≤ 10 ms | ${p99.toFixed(1)} ms | ${verdict(p99 <= 10)} |`);
  console.log(`| drawing ≤ 0.8× WeTTY's (DOM renderer, same method) | ${vsDom.toFixed(2)}× | ${verdict(vsDom <= 0.8)} |`);
  console.log(`| drawing against WeTTY's WebGL (software GL here) | ${vsGl.toFixed(2)}× | ${verdict(vsGl <= 0.8)} |`);
  console.log(`| longest task while drawing ≤ 100 ms | ${longTask(longest)} | ${verdict(longest <= 100)} |`);
}

/** The browser reports only tasks of 50 ms and more. */
function longTask(ms: number): string {
  return ms === 0 ? "none ≥ 50 ms" : `${ms.toFixed(0)} ms`;
}
