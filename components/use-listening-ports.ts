"use client";

import { useCallback, useEffect, useState } from "react";
import type { ListeningPort } from "@/lib/apps/listening-ports";

/** The servers listening in the user's workspace, polled while `active`. */
export function useListeningPorts(active: boolean) {
  const [ports, setPorts] = useState<ListeningPort[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  const load = useCallback(async () => {
    const response = await fetch("/api/workspace/ports", { cache: "no-store" }).catch(() => null);
    if (!response?.ok) return setFailed("Could not list the ports right now.");
    setFailed(null);
    setPorts(((await response.json()) as { ports: ListeningPort[] }).ports);
  }, []);

  useEffect(() => {
    if (!active) return;
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, [active, load]);

  return { ports, failed };
}
