import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** What the pages are built from: a change to any of these makes an earlier build stale. */
const SOURCES = ["app", "components", "lib", "public", "scripts/build", "next.config.ts", "package-lock.json", "tsconfig.json"];

function newestMtime(entry: string): number {
  const stat = fs.statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

function isFresh(distDir: string): boolean {
  const built = fs.statSync(path.join(ROOT, distDir, "BUILD_ID"), { throwIfNoEntry: false });
  if (!built) return false;
  return SOURCES.every((source) => newestMtime(path.join(ROOT, source)) <= built.mtimeMs);
}

/** Holds a directory lock while `fn` runs, so parallel callers build once and the others wait for it. */
function withLock<T>(name: string, fn: () => T): T {
  const lock = path.join(ROOT, `${name}.lock`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A lock older than any build is left over from a killed run.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Test and benchmark portals serve a production build of the pages, as a deployment does: no compile on first
 * visit and no dev-server reloads under the browser's feet. Built once into its own directory and again only
 * when a source changed.
 */
export function ensureNextBuild(distDir: string): void {
  if (isFresh(distDir)) return;
  withLock(distDir, () => {
    if (isFresh(distDir)) return;
    const started = Date.now();
    process.stderr.write(`building the pages into ${distDir} (next build)…\n`);
    const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", PORTAL_NEXT_DIST_DIR: distDir },
      encoding: "utf8",
    });
    if (result.status !== 0) {
      throw new Error(`next build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    process.stderr.write(`built ${distDir} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
}
