"use client";

import { useState } from "react";

/** A command or snippet to paste elsewhere, with a button that copies it exactly as shown. */
export function CopyBlock({ text, testId, label }: { text: string; testId: string; label: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      // No clipboard permission (an http:// origin other than localhost): the text stays selectable.
      setCopied("no");
    }
    setTimeout(() => setCopied(null), 2000);
  };
  return (
    <div className="copy-block">
      <pre className="command" data-testid={testId}>
        {text}
      </pre>
      <button type="button" className="button small" aria-label={`Copy ${label}`} onClick={() => void copy()} data-testid={`${testId}-copy`}>
        {copied === "yes" ? "Copied" : copied === "no" ? "Select and copy" : "Copy"}
      </button>
    </div>
  );
}
