/**
 * A workspace's name on its engine (a container's on one host, a service's in a cluster): the operator's prefix
 * and the slug. Unique per slug, so the name alone finds a workspace again; its labels say whose it is.
 */
export function workspaceName(prefix: string, slug: string): string {
  return `${prefix}${slug}`;
}
