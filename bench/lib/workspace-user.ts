import { execFileSync } from "node:child_process";

/** The workspace's own uid:gid, as the portal runs it (a name would resolve in the image's passwd, to another uid). */
export function workspaceUser(containerId: string): string {
  return execFileSync("docker", ["inspect", "-f", "{{.Config.User}}", containerId], { encoding: "utf8" }).trim();
}
