import { sameOrigin } from "@/lib/auth/same-origin";
import type { SessionUser } from "@/lib/auth/session-user";
import { getPortal } from "@/lib/portal-instance";
import { INTERNAL, problemOf, type Problem, type ProblemBody } from "@/lib/errors/problem";

export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } } satisfies ProblemBody, { status, headers: { "cache-control": "no-store" } });
}

/** The signed-in user, or a 401 that the page turns into a trip to the sign-in page. */
export async function requireUser(req: Request): Promise<SessionUser | Response> {
  const user = await getPortal().auth.userFromCookieHeader(req.headers.get("cookie"));
  return user ?? jsonError(401, "unauthenticated", "Your session has ended. Sign in again.");
}

/**
 * State-changing requests must come from the portal's own pages. Browsers send Origin on every cross-site POST;
 * Sec-Fetch-Site covers the rare same-origin request without it. Anything else is refused.
 */
export function requireSameOrigin(req: Request): Response | null {
  const sent = { origin: req.headers.get("origin"), fetchSite: req.headers.get("sec-fetch-site") };
  if (sameOrigin(getPortal().config.publicUrl.origin, sent, "sec-fetch-site")) return null;
  return jsonError(403, "cross_site", "This request did not come from the portal's own pages and was refused.");
}

/** Admins only: anyone else signed in gets 403, and nobody learns more than that. */
export async function requireAdmin(req: Request, change = false): Promise<SessionUser | Response> {
  const user = change ? await requireUserChange(req) : await requireUser(req);
  if (user instanceof Response) return user;
  return user.isAdmin ? user : jsonError(403, "forbidden", "This is for administrators.");
}

/** For requests that change something: from the portal's own pages, by a signed-in user. */
export async function requireUserChange(req: Request): Promise<SessionUser | Response> {
  return requireSameOrigin(req) ?? requireUser(req);
}

export function errorResponse(error: unknown): Response {
  const problem = reported(error);
  return jsonError(problem.status, problem.code, problem.message);
}

export function errorBody(error: unknown): { code: string; message: string } {
  const { code, message } = reported(error);
  return { code, message };
}

/** The failure as the user is told it, counted, and logged when the portal did not expect it. */
function reported(error: unknown): Problem {
  const problem = problemOf(error);
  getPortal().metrics.errors.inc({ code: problem.code });
  if (problem.code === INTERNAL) getPortal().log.error({ err: error }, "request failed");
  return problem;
}
