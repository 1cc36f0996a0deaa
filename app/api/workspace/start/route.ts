import { getPortal } from "@/lib/portal-instance";
import type { StartLine } from "@/lib/workspace/view";
import type { StartProgress } from "@/lib/workspace/types";
import { errorBody, requireUserChange } from "../../_shared/guard";
import { toView } from "../status-json";

export const dynamic = "force-dynamic";

/**
 * Opens the caller's workspace (and with `?app=code` or `?app=nb`, VS Code or Jupyter in it) and streams its progress as NDJSON: one
 * `{"progress":…}` line per step, then `{"status":…}` or `{"error":…}`. The start goes on even if the browser
 * leaves, so a reload finds it running.
 */
export async function POST(req: Request): Promise<Response> {
  const user = await requireUserChange(req);
  if (user instanceof Response) return user;

  const encoder = new TextEncoder();
  const stream = new TransformStream<StartLine, Uint8Array>({
    transform: (message, controller) => controller.enqueue(encoder.encode(`${JSON.stringify(message)}\n`)),
  });
  const writer = stream.writable.getWriter();
  const send = (message: StartLine) => void writer.write(message).catch(() => undefined);

  const portal = getPortal();
  const onProgress = (progress: StartProgress) => send({ progress });
  const app = new URL(req.url).searchParams.get("app");
  const service = app === "code" ? portal.codeServer : app === "nb" ? portal.notebook : null;
  const started = service
    ? service.ensure(user, onProgress).then(() => portal.workspaces.status(user))
    : portal.workspaces.ensureRunning(user, onProgress);
  void started
    .then(async (status) => send({ status: await toView(status) }))
    .catch((error: unknown) => send({ error: errorBody(error) }))
    .finally(() => void writer.close().catch(() => undefined));

  return new Response(stream.readable, {
    headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}
