import type { StartLine, WorkspaceView } from "../../lib/workspace/view";

/** What /api/workspace/start answered, line by line: the progress it showed, then the workspace or the problem. */
export interface StartAnswer {
  progress: string[];
  status?: WorkspaceView;
  error?: { code: string; message: string };
}

/**
 * Opens the signed-in user's workspace through the portal's API, as the page's Open Workspace does, reading the
 * NDJSON stream to its end; `onProgress` hears each progress message as it arrives.
 */
export async function startThroughPortal(portalUrl: string, cookie: string, onProgress: (message: string) => void = () => {}): Promise<StartAnswer> {
  const response = await fetch(`${portalUrl}/api/workspace/start`, { method: "POST", headers: { cookie, origin: portalUrl } });
  if (response.status !== 200 || !response.body) throw new Error(`start answered ${response.status}: ${await response.text()}`);
  const answer: StartAnswer = { progress: [] };
  const decoder = new TextDecoder();
  let buffered = "";
  const take = (line: string) => {
    if (!line.trim()) return;
    const message = JSON.parse(line) as StartLine;
    if ("progress" in message) {
      answer.progress.push(message.progress.message);
      onProgress(message.progress.message);
    } else if ("status" in message) answer.status = message.status;
    else answer.error = message.error;
  };
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    lines.forEach(take);
  }
  take(buffered);
  return answer;
}

/** The signed-in user's workspace as GET /api/workspace shows it. */
export async function workspaceView(portalUrl: string, cookie: string): Promise<WorkspaceView> {
  const response = await fetch(`${portalUrl}/api/workspace`, { headers: { cookie } });
  if (response.status !== 200) throw new Error(`GET /api/workspace answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as WorkspaceView;
}

export async function postAs(portalUrl: string, cookie: string, path: string): Promise<Response> {
  return fetch(`${portalUrl}${path}`, { method: "POST", headers: { cookie, origin: portalUrl } });
}
