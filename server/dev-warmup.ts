import type { Logger } from "pino";
import { request } from "undici";

// The pages and API routes a first visit touches, in the order a user reaches them.
const PATHS = ["/signin", "/", "/api/workspace", "/workspace", "/api/terminals", "/ssh", "/admin", "/api/auth/session", "/open/code"];

/**
 * In development mode Next.js compiles each page on its first request, several seconds apiece on a small
 * machine. Asking for them once in the background, right after start, means the person who ran `npm run up`
 * finds them ready. Answers do not matter (signed out, most say 401 or redirect); the compile is the point.
 */
export async function warmUpPages(base: string, host: string, log: Logger): Promise<void> {
  const started = Date.now();
  for (const path of PATHS) {
    try {
      // Addressed by the public name: the portal refuses a Host that is not its own.
      const response = await request(new URL(path, base), { headers: { host }, signal: AbortSignal.timeout(120_000) });
      await response.body.dump();
    } catch (error) {
      log.debug({ err: error, path }, "warm-up request failed");
    }
  }
  log.info({ ms: Date.now() - started }, "development pages compiled");
}
