import Docker from "dockerode";
import { DOCKER_SOCKET, TEST_IMAGE } from "./images";
import { ensureNextBuild } from "./next-build";
import { TEST_DIST_DIR } from "./portal-process";

// Integration tests need the real engine and the images; say how to get them rather than fail obscurely.
export default async function setup(): Promise<void> {
  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `Docker is not reachable at ${DOCKER_SOCKET} (${(error as Error).message}). ` +
        "`npm test` installs and starts it; for a quick run start it with `bash scripts/ensure-docker.sh`.",
    );
  }
  // The full workspace image is checked by the tests that use it: the manager's own error names it.
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`The image ${TEST_IMAGE} is missing. Build it with \`npm run images\` (npm test does this itself).`);
  }
  // Here rather than in the first test's hook, whose timeout is not meant to cover a build.
  ensureNextBuild(TEST_DIST_DIR);
}
