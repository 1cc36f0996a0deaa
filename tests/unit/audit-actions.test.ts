import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, FILTER_ACTIONS, isFilterAction } from "../../lib/audit/actions";

describe("the audit log's actions", () => {
  it("offers the admin filters in the viewer's order, each an action the log records", () => {
    expect(FILTER_ACTIONS).toEqual([
      "sign-in",
      "workspace.start",
      "workspace.stop",
      "workspace.create",
      "workspace.remove",
      "ssh.login",
      "ssh.key.add",
      "ssh.key.delete",
      "admin.action",
    ]);
    for (const action of FILTER_ACTIONS) expect(AUDIT_ACTIONS).toContain(action);
  });

  it("takes only those as a filter", () => {
    expect(isFilterAction("workspace.stop")).toBe(true);
    expect(isFilterAction("user.rights-changed")).toBe(false);
    expect(isFilterAction("workspace.stop' OR 1=1")).toBe(false);
  });
});
