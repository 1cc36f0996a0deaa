/**
 * What the bench takes from the test fixtures (tests/support): it measures the very portal process, images,
 * sessions and clients the tests run, so a figure and a test never disagree about what was started. This is the
 * one file of bench/ that reaches into tests/; the rest imports from here.
 */
export { openApp } from "../../tests/support/app-client";
export { launchBrowser, signIn } from "../../tests/support/browser";
export { freePort } from "../../tests/support/free-port";
export { engineRecord, type EngineRecord } from "../../tests/support/engine-record";
export { DOCKER_SOCKET, TEST_IMAGE, WORKSPACE_IMAGE } from "../../tests/support/images";
export { CLUSTER_SCRIPT, clusterCommand, nodeEngine, nodeNamed, readCluster, workers, type ClusterInfo, type ClusterNode } from "../../tests/support/cluster";
export { swarmFixture, type SwarmFixture } from "../../tests/support/swarm-fixture";
export { startSwarmPortal } from "../../tests/support/swarm-portal";
export { workspaceFixture, type WorkspaceFixture } from "../../tests/support/workspace-fixture";
export { startPortal, type PortalProcess } from "../../tests/support/portal-process";
export { sessionCookie } from "../../tests/support/session-cookie";
export { SshClient } from "../../tests/support/ssh-client";
export { typeLine, waitForPrompt, waitForText } from "../../tests/support/terminal-page";
export { startPortalReplicas, type PortalReplicas, type ReplicaOptions } from "../../tests/support/portal-replicas";
export { startTestPostgres, type TestPostgres } from "../../tests/support/postgres";
export { openTerminal, type TerminalClient } from "../../tests/support/terminal-client";
export { postAs, startThroughPortal, type StartAnswer } from "../../tests/support/portal-start";
