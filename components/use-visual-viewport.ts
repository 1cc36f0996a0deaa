"use client";

import { useEffect } from "react";

/**
 * Sizes the page to the visual viewport: the part of it the user sees. A phone's on-screen keyboard (and a pinch
 * zoom) shrinks that and leaves the layout viewport, and with it 100dvh, as it was, so a page sized in CSS alone
 * has its bottom under the keyboard: here the terminal's last row and the row of keys a phone lacks. This puts
 * the visual viewport's height and offset into CSS variables that app/globals.css applies to the workspace page;
 * the terminal refits to its new size (its ResizeObserver) and tells the shell. Where the browser has no
 * window.visualViewport nothing is set, and the CSS keeps 100dvh.
 */
export function useVisualViewport(): void {
  useEffect(() => {
    const viewport = window.visualViewport;
    if (!viewport) return;
    const root = document.documentElement;
    let frame = 0;
    const apply = () => {
      frame = 0;
      root.style.setProperty("--visible-height", `${viewport.height}px`);
      root.style.setProperty("--visible-top", `${viewport.offsetTop}px`);
      root.dataset.visualViewport = "";
    };
    // A keyboard sliding in fires many events; one update a frame is enough.
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(apply);
    };
    apply();
    viewport.addEventListener("resize", schedule);
    viewport.addEventListener("scroll", schedule);
    return () => {
      cancelAnimationFrame(frame);
      viewport.removeEventListener("resize", schedule);
      viewport.removeEventListener("scroll", schedule);
      root.style.removeProperty("--visible-height");
      root.style.removeProperty("--visible-top");
      delete root.dataset.visualViewport;
    };
  }, []);
}
