import type { Logger } from "pino";

// The pages and API routes a first visit touches, in the order a user reaches them.
const PATHS = ["/signin", "/", "/api/workspace", "/workspace", "/api/terminals", "/ssh", "/admin", "/api/auth/session"];

/**
 * In development mode Next.js compiles each page on its first request, several seconds apiece on a small
 * machine. Asking for them once in the background, right after start, means the person who ran `npm run up`
 * finds them ready. Answers do not matter (signed out, most say 401 or redirect); the compile is the point.
 */
export async function warmUpPages(base: string, log: Logger): Promise<void> {
  const started = Date.now();
  for (const path of PATHS) {
    try {
      const response = await fetch(new URL(path, base), { redirect: "manual", signal: AbortSignal.timeout(120_000) });
      await response.body?.cancel();
    } catch (error) {
      log.debug({ err: error, path }, "warm-up request failed");
    }
  }
  log.info({ ms: Date.now() - started }, "development pages compiled");
}
