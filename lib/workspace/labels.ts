// The labels are the backends' vocabulary (lib/backend/labels.ts); the workspace room, its tests and the scripts'
// comments name them from here too.
export { LABEL, LABEL_PREFIX } from "../backend/labels";
