import { formatByteSize } from "../config/size";
import { WorkspaceError } from "../errors/workspace-errors";

export class DiskQuotaError extends WorkspaceError {
  constructor(usedBytes: number, hardBytes: number) {
    super(
      "quota_exceeded",
      `Your home directory holds ${formatByteSize(usedBytes)}, above your limit of ${formatByteSize(hardBytes)}, so your ` +
        "workspace cannot start new work. Ask an administrator to raise your quota or to help you remove files.",
    );
  }
}
