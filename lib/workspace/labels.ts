/**
 * Every Docker label the portal puts on a container starts with this; images carry their own
 * (`io.scitex.portal.`, scripts/lib/images-common.sh), which the portal never reads.
 */
const PREFIX = "org.scitex.portal.";

/** Docker labels that let any portal process find and verify its workspaces from the engine alone. */
export const LABEL = {
  managed: `${PREFIX}managed`,
  instance: `${PREFIX}instance`,
  ownerSub: `${PREFIX}owner-sub`,
  username: `${PREFIX}username`,
  slug: `${PREFIX}slug`,
  spec: `${PREFIX}spec`,
  /** On the short-lived, never started containers the portal reads files out of an image with. */
  imageCopy: `${PREFIX}image-copy`,
} as const;
