import Docker from "dockerode";
import { DOCKER_SOCKET, WORKSPACE_IMAGE } from "./fixtures";

/** The Docker Engine every suite measures on, once it answers and holds the full workspace image. */
export async function benchEngine(): Promise<Docker> {
  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  await docker.ping();
  await docker.getImage(WORKSPACE_IMAGE).inspect().catch(() => {
    throw new Error(`image ${WORKSPACE_IMAGE} is missing: build it with \`npm run images\``);
  });
  return docker;
}
