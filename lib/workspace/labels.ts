/** Docker labels that let any portal process find and verify its workspaces from the engine alone. */
export const LABEL = {
  managed: "org.scitex.portal.managed",
  instance: "org.scitex.portal.instance",
  ownerSub: "org.scitex.portal.owner-sub",
  username: "org.scitex.portal.username",
  slug: "org.scitex.portal.slug",
  spec: "org.scitex.portal.spec",
  /** On the short-lived, never started containers the portal reads files out of an image with. */
  imageCopy: "org.scitex.portal.image-copy",
} as const;
