/** next-auth's error codes (and ours) in words a scientist can act on. */
export function signInErrorMessage(code: string, providerName: string): string {
  switch (code) {
    case "OAuthSignin":
      return `Could not reach ${providerName} to sign you in. It may be down; try again in a minute.`;
    case "OAuthCallback":
      return `${providerName} sent you back, but the sign-in could not be completed (the reply was refused or expired). Try again.`;
    case "AccessDenied":
      return `${providerName} did not allow the sign-in.`;
    case "AccountInvalid":
      return `Your ${providerName} account cannot have a workspace: its username is missing or not usable. Ask an operator.`;
    case "AccountDisabled":
      return "Your account has been disabled on this portal. Ask an administrator if you think this is a mistake.";
    case "SessionRequired":
      return "Please sign in to continue.";
    case "Configuration":
      return "The portal's sign-in is misconfigured. Tell an operator.";
    default:
      return "Sign-in failed. Try again.";
  }
}
