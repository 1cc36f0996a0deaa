/**
 * How a machine that lost its cluster's managers stops the workspaces it runs (the node watchdog,
 * scripts/cluster/node-watchdog.sh): it sends their first process this signal, which the workspace's lease command
 * (lib/workspace/lease.ts) answers by ending with this status. The status is how the portal tells such an end from
 * one of the workspace's own (an exit, the OOM killer): a fenced workspace is started again, on whichever machine has
 * room; one that ended by itself stays ended and says why.
 */
export const NODE_FENCE = { signal: "USR1", exitCode: 76 } as const;
