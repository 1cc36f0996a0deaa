import { DockerUnavailableError, isWorkspaceError, WorkspaceError } from "../../errors/workspace-errors";

const CONNECTION_CODES = new Set(["ENOENT", "ECONNREFUSED", "EACCES", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"]);

interface EngineError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
}

export function statusOf(error: unknown): number | undefined {
  return (error as EngineError | null)?.statusCode;
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** The engine's own sentence, without dockerode's "(HTTP code 500) server error - " prefix. */
export function engineMessage(error: unknown): string {
  const e = error as EngineError | null;
  return e?.json?.message ?? e?.message ?? String(error);
}

/** Connection-level failures become DockerUnavailableError; anything else keeps the engine's words. */
export function translate(error: unknown, endpoint: string, action: string): Error {
  if (isWorkspaceError(error)) return error;
  const code = (error as EngineError | null)?.code;
  if (code && CONNECTION_CODES.has(code)) return new DockerUnavailableError(endpoint, error);
  return new WorkspaceError("runtime_error", `Docker could not ${action}: ${engineMessage(error)}`, { cause: error });
}
