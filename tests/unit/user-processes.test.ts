import { describe, expect, it } from "vitest";
import { userProcesses } from "../../lib/activity/user-processes";
import { KEEPALIVE_CMD, WORKSPACE_CMD } from "../../lib/workspace/spec";

describe("a workspace's own processes, as docker top lists them", () => {
  it("leaves out docker-init, the keep-alive loop and its sleep, and keeps everything the user started", () => {
    const listed = [
      { pid: 4100, ppid: 4080, command: `/sbin/docker-init -- ${KEEPALIVE_CMD.join(" ")}` },
      { pid: 4120, ppid: 4100, command: KEEPALIVE_CMD.join(" ") },
      { pid: 4121, ppid: 4120, command: "sleep 3600" },
      // exec'd from outside: their parents are the engine's, not in the list
      { pid: 5000, ppid: 4990, command: "bash -l" },
      { pid: 5001, ppid: 5000, command: "python3 simulate.py" },
      { pid: 5002, ppid: 4991, command: "sleep 86400" },
    ];
    expect(userProcesses(listed).map((p) => p.command)).toEqual(["bash -l", "python3 simulate.py", "sleep 86400"]);
  });

  it("leaves out the portal's keep-alive that holds the lease, its sleep and its wait for the lease, whatever the user runs", () => {
    const listed = [
      { pid: 4100, ppid: 4080, command: `/sbin/docker-init -- ${WORKSPACE_CMD.join(" ")}` },
      { pid: 4120, ppid: 4100, command: WORKSPACE_CMD.join(" ") },
      { pid: 4121, ppid: 4120, command: "sleep 10" },
      { pid: 4122, ppid: 4120, command: "flock 8" },
      { pid: 5000, ppid: 4990, command: "bash -l" },
      { pid: 5003, ppid: 5000, command: "flock 8" },
    ];
    expect(userProcesses(listed).map((p) => p.pid)).toEqual([5000, 5003]);
  });
});
