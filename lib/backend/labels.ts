/**
 * Every Docker label the portal puts on a container starts with this, and so does every label the build scripts
 * put on its images (scripts/lib/images-common.sh, images/workspace/Dockerfile).
 */
export const LABEL_PREFIX = "org.scitex.portal.";
const PREFIX = LABEL_PREFIX;

/**
 * Labels that let any portal process find and verify its workspaces from the engine alone: on a container here;
 * on a service (and its containers) or a pod where a backend runs them so.
 */
export const LABEL = {
  managed: `${PREFIX}managed`,
  instance: `${PREFIX}instance`,
  ownerSub: `${PREFIX}owner-sub`,
  username: `${PREFIX}username`,
  slug: `${PREFIX}slug`,
  spec: `${PREFIX}spec`,
  /**
   * Where in the workspace its first process holds the lease that keeps it to one ready copy (lib/workspace/lease.ts);
   * workspaces made by portals before the lease carry none and are not asked for it.
   */
  lease: `${PREFIX}lease`,
  /** On the short-lived, never started containers the portal reads files out of an image with. */
  imageCopy: `${PREFIX}image-copy`,
} as const;
