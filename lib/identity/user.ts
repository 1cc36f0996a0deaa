import { z } from "zod";
import { InvalidUserError } from "../errors/workspace-errors";

/** The portal's user: the OIDC subject is the stable key; the username is for display and naming only. */
export interface PortalUser {
  sub: string;
  username: string;
  email?: string;
  name?: string;
  /** Groups from the identity provider's `groups` claim, for per-group quotas. */
  groups?: string[];
}

// Control characters would break logs, labels and terminals; everything else Django can hold is accepted.
const printable = /^[^\p{Cc}\p{Cs}]+$/u;

const userSchema = z.object({
  sub: z.string().min(1, "the identity provider gave no subject").max(255, "the subject is longer than 255 characters"),
  username: z
    .string()
    .min(1, "the username is empty")
    .max(150, "the username is longer than 150 characters")
    .regex(printable, "the username contains control characters"),
  email: z.string().max(254).optional(),
  name: z.string().max(300).optional(),
  groups: z.array(z.string().min(1).max(100)).max(100).optional(),
});

export function validateUser(input: unknown): PortalUser {
  const parsed = userSchema.safeParse(input);
  if (!parsed.success) throw new InvalidUserError(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}
