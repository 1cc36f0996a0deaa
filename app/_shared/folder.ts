/** Only absolute paths make sense as a VS Code folder; anything else opens the home directory. */
export function safeFolder(folder: string | undefined): string {
  return folder && folder.startsWith("/") && !folder.includes("\0") && folder.length < 1024 ? folder : "/home/user";
}
