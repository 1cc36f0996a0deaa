import type { AuditLog } from "../audit/audit-log";
import type { AccountStatuses } from "../identity/account-status";
import type { PortalUser } from "../identity/user";
import type { WorkspaceManager } from "../workspace/manager";

/** What an admin may do to someone's workspace or account from the admin page. */
export type AdminAction =
  | { action: "stop" }
  | { action: "restart" }
  /** Refuses the owner at every door and ends every sign-in, terminal, app and SSH connection they have open. */
  | { action: "disable" }
  | { action: "enable" }
  /** Deleting the home directory must be asked for twice: the flag, and the owner's username typed again. */
  | { action: "remove"; deleteHome?: boolean; confirmUsername?: string };

/** Why an action was not taken; nothing was changed and nothing recorded. */
export type AdminRefusal =
  | { refused: "not_found"; message: string }
  | { refused: "own_account"; message: string }
  | { refused: "confirm"; message: string };

export interface AdminActionDeps {
  workspaces: Pick<WorkspaceManager, "list" | "stop" | "ensureRunning" | "remove">;
  accounts: Pick<AccountStatuses, "disable" | "enable">;
  audit: Pick<AuditLog, "record">;
}

/** Takes an admin's action on the workspace named by its slug, and records it in the audit log once it is done. */
export class AdminWorkspaceActions {
  constructor(private readonly deps: AdminActionDeps) {}

  async take(admin: PortalUser, slug: string, action: AdminAction): Promise<AdminRefusal | null> {
    const { workspaces, accounts, audit } = this.deps;
    const target = (await workspaces.list()).find((w) => w.slug === slug);
    if (!target) return { refused: "not_found", message: `There is no workspace named ${slug}.` };
    const owner = { sub: target.sub, username: target.username };
    switch (action.action) {
      case "disable":
        if (owner.sub === admin.sub) return { refused: "own_account", message: "You cannot disable your own account." };
        await accounts.disable(owner.sub);
        break;
      case "enable":
        await accounts.enable(owner.sub);
        break;
      case "stop":
        await workspaces.stop(owner, "admin");
        break;
      case "restart":
        await workspaces.stop(owner, "admin");
        await workspaces.ensureRunning(owner);
        break;
      case "remove":
        if (action.deleteHome && action.confirmUsername !== target.username) {
          return {
            refused: "confirm",
            message: `To delete the home directory too, type the owner's username (${target.username}) to confirm.`,
          };
        }
        await workspaces.remove(owner, { deleteHome: action.deleteHome === true });
        break;
    }
    await audit.record("admin.action", { actor: admin.username, subject: owner, detail: { ...action } });
    return null;
  }
}
