/**
 * Typed failures of the workspace engine. Each carries a stable `code` for APIs and a message a user or operator
 * can act on; the doors (web, VS Code proxy, SSH) show `message` as it is, through `problemOf` (./problem.ts).
 * They live below the runtime, identity and workspace rooms that throw them, so none imports another for its errors.
 */
export type WorkspaceErrorCode =
  | "docker_unavailable"
  | "image_missing"
  | "container_exited"
  | "name_conflict"
  | "invalid_user"
  | "not_found"
  | "start_timeout"
  | "capacity"
  | "quota_exceeded"
  | "rate_limited"
  | "runtime_error";

// Next.js bundles pages apart from the custom server, so one error class can exist twice in the process;
// a registered symbol marks workspace errors whichever copy made them.
const BRAND = Symbol.for("scitex.portal.WorkspaceError");

export class WorkspaceError extends Error {
  readonly [BRAND] = true;

  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "WorkspaceError";
  }
}

/** `instanceof` for workspace errors that also works across the custom server / Next.js bundle boundary. */
export function isWorkspaceError(error: unknown): error is WorkspaceError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

export class DockerUnavailableError extends WorkspaceError {
  constructor(endpoint: string, cause?: unknown) {
    super(
      "docker_unavailable",
      `The container engine is not reachable at ${endpoint}. Workspaces cannot start until Docker is running ` +
        "(an operator can start it with `dockerd` or `systemctl start docker`).",
      { cause },
    );
  }
}

/** The workspace image is not where the backend runs images from; `message` says where that is, when not this host. */
export class ImageMissingError extends WorkspaceError {
  constructor(
    readonly image: string,
    message = `The workspace image "${image}" is not present on this Docker host. Build it with \`npm run images\` ` +
      "or set WORKSPACE_IMAGE to an image that exists.",
  ) {
    super("image_missing", message);
  }
}

export class ContainerExitedError extends WorkspaceError {
  constructor(
    readonly exitCode: number,
    readonly logTail: string,
  ) {
    super(
      "container_exited",
      `The workspace container stopped right after it started (exit code ${exitCode}).` +
        (logTail ? ` Last output: ${logTail}` : ""),
    );
  }
}

export class NameConflictError extends WorkspaceError {
  constructor(readonly containerName: string) {
    super(
      "name_conflict",
      `A container named "${containerName}" already exists and belongs to someone else or to no portal. ` +
        "An operator must rename or remove it before this workspace can be created.",
    );
  }
}

export class InvalidUserError extends WorkspaceError {
  constructor(reason: string) {
    super("invalid_user", `This account cannot have a workspace: ${reason}.`);
  }
}

export class WorkspaceNotFoundError extends WorkspaceError {
  constructor(username: string) {
    super("not_found", `There is no workspace for ${username} yet. Open Workspace creates one.`);
  }
}

export class StartTimeoutError extends WorkspaceError {
  /** `detail`: where it got to, for the operator (e.g. which node held it in which state). */
  constructor(seconds: number, detail?: string) {
    super("start_timeout", `The workspace did not become ready within ${seconds} s${detail ? ` (${detail})` : ""}. Try again, or ask an operator.`);
  }
}

/**
 * Another copy of the workspace still holds its lease in the home (lib/workspace/lease.ts): one a cluster started
 * elsewhere while a machine it lost touch with still runs the old one. This copy waits and takes over when that
 * one stops; until then nothing is routed to it.
 */
export class HeldElsewhereError extends WorkspaceError {
  static readonly MESSAGE =
    "Your workspace is still running elsewhere (a machine the portal lost touch with has not let go of it yet); it will start here once that copy stops. Try again in a minute.";

  constructor() {
    super("start_timeout", HeldElsewhereError.MESSAGE);
  }
}
