import { isWorkspaceError, type WorkspaceErrorCode } from "./workspace-errors";

/** What a door tells a user about a failure: a stable code, a sentence to act on, and the HTTP status for HTTP doors. */
export interface Problem {
  status: number;
  code: string;
  message: string;
}

/** The body of every API answer that refuses or fails: what the pages read and show. */
export interface ProblemBody {
  error: Pick<Problem, "code" | "message">;
}

/** The code of every failure the portal did not expect (a bug, or a dependency failing in a way nobody typed). */
export const INTERNAL = "internal";

const STATUS: Record<WorkspaceErrorCode, number> = {
  docker_unavailable: 503,
  image_missing: 503,
  container_exited: 500,
  name_conflict: 409,
  invalid_user: 400,
  not_found: 404,
  start_timeout: 504,
  capacity: 503,
  quota_exceeded: 403,
  rate_limited: 429,
  runtime_error: 500,
};

/**
 * The one mapping from a failure to what a user is told, for every door (API routes, terminal sockets, SSH). A
 * workspace error is shown as it is; anything else is shown only as `fallback`, the door's own words, since its
 * text may carry paths or internals: the door logs that error for an operator.
 */
export function problemOf(
  error: unknown,
  fallback = "Something went wrong on the portal. Try again; if it persists, tell an operator.",
): Problem {
  if (isWorkspaceError(error)) return { status: STATUS[error.code], code: error.code, message: error.message };
  return { status: 500, code: INTERNAL, message: fallback };
}
