/** Image names the test set-up builds (scripts/build-images.sh); overridable like the portal's own settings. */
export const TEST_IMAGE = process.env.TEST_IMAGE ?? "scitex-portal/workspace-test:latest";
export const WORKSPACE_IMAGE = process.env.WORKSPACE_IMAGE ?? "scitex-portal/workspace:latest";
export const DOCKER_SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";
