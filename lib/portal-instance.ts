import type { Portal } from "./portal";

// Next.js bundles route handlers and pages apart from the custom server, so a module-level variable would be a
// second copy; the process-wide global is the one object both halves see.
const KEY = Symbol.for("scitex.portal");
type Holder = { [KEY]?: Portal };

export function setPortal(portal: Portal): void {
  (globalThis as Holder)[KEY] = portal;
}

export function getPortal(): Portal {
  const portal = (globalThis as Holder)[KEY];
  if (!portal) throw new Error("The portal is not initialised: start it with `npm run up` (server/index.ts), not `next dev`.");
  return portal;
}
