import type { WorkspaceApp } from "./app-address";

const CHANGES_NOTHING = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether one HTTP request through an app's door is somebody at work, for the idle stop. Jupyter's pages ask its
 * API by themselves (the file tree reloads /api/sessions, /api/terminals and /api/contents every minute), so an
 * open, untouched notebook tab would keep its workspace up for good; for the notebook only a page load or a
 * change counts (a save, which a notebook being edited makes by itself every two minutes, a new file, a kernel
 * started or interrupted). Running cells reaches the kernel over its WebSocket, counted by bytes like VS Code's.
 */
export function requestIsUse(app: WorkspaceApp["kind"], request: { method: string; navigation: boolean }): boolean {
  if (app !== "notebook") return true;
  return request.navigation || !CHANGES_NOTHING.has(request.method.toUpperCase());
}
