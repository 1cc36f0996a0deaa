"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** The portal's sections, the current one marked for screen readers (aria-current) and by its look. */
export function MainNav({ isAdmin }: { isAdmin: boolean }) {
  const path = usePathname();
  const item = (href: string, label: string) => {
    const current = href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);
    return (
      <Link href={href} aria-current={current ? "page" : undefined} className={current ? "current" : undefined}>
        {label}
      </Link>
    );
  };
  return (
    <nav aria-label="Main">
      {item("/", "Dashboard")}
      {item("/workspace", "Workspace")}
      {item("/ssh", "SSH keys")}
      {isAdmin && item("/admin", "Admin")}
    </nav>
  );
}
