import { describe, expect, it } from "vitest";
import { problemOf } from "../../lib/errors/problem";
import {
  DockerUnavailableError,
  ImageMissingError,
  InvalidUserError,
  NameConflictError,
  StartTimeoutError,
  WorkspaceError,
  WorkspaceNotFoundError,
} from "../../lib/errors/workspace-errors";
import { DiskQuotaError } from "../../lib/quota/quota-error";

describe("what every door tells a user about a failure", () => {
  it("shows a workspace error as it is, with its HTTP status", () => {
    const missing = new ImageMissingError("scitex-portal/workspace:latest");
    expect(problemOf(missing)).toEqual({ status: 503, code: "image_missing", message: missing.message });
    expect(problemOf(new DockerUnavailableError("/var/run/docker.sock")).status).toBe(503);
    expect(problemOf(new NameConflictError("scitex-ws-alice-12345678")).status).toBe(409);
    expect(problemOf(new InvalidUserError("no name")).status).toBe(400);
    expect(problemOf(new WorkspaceNotFoundError("alice")).status).toBe(404);
    expect(problemOf(new StartTimeoutError(60)).status).toBe(504);
    expect(problemOf(new DiskQuotaError(2048, 1024)).status).toBe(403);
    expect(problemOf(new WorkspaceError("rate_limited", "Slow down.")).status).toBe(429);
    expect(problemOf(new WorkspaceError("capacity", "Full.")).status).toBe(503);
    expect(problemOf(new WorkspaceError("runtime_error", "Docker could not start it.")).status).toBe(500);
  });

  it("keeps what went wrong unexpectedly to itself, in the door's own words", () => {
    const leak = new Error("EACCES: /var/lib/portal/secret");
    expect(problemOf(leak)).toEqual({
      status: 500,
      code: "internal",
      message: "Something went wrong on the portal. Try again; if it persists, tell an operator.",
    });
    expect(problemOf(leak, "The terminal could not start. Try again.")).toEqual({
      status: 500,
      code: "internal",
      message: "The terminal could not start. Try again.",
    });
    expect(problemOf("a string thrown")).toMatchObject({ code: "internal" });
  });

  it("knows a workspace error made by another copy of the module (Next.js bundles its own)", () => {
    const foreign = Object.assign(new Error("Your workspace is starting elsewhere."), {
      code: "capacity",
      [Symbol.for("scitex.portal.WorkspaceError")]: true,
    });
    expect(problemOf(foreign)).toEqual({ status: 503, code: "capacity", message: "Your workspace is starting elsewhere." });
  });
});
