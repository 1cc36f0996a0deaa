import type Docker from "dockerode";

/** Runs a short command in a container without a TTY and returns its combined output (for checks, not load). */
export async function execCollect(docker: Docker, containerId: string, cmd: string[], user = "user"): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, User: user, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  await new Promise((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
  });
  // Without a TTY the stream is multiplexed (8-byte frame headers); drop them so the text reads as printed.
  const raw = Buffer.concat(chunks);
  const out: Buffer[] = [];
  for (let at = 0; at + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(at + 4);
    out.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(out).toString("utf8");
}
