// A build-time change to xterm.js 6 (client bundle only), applied by next.config.ts.
//
// xterm.js's Viewport re-synchronises its scrollbar (setScrollDimensions, setScrollPosition, their DOM writes)
// synchronously on *every* buffer scroll, that is on every line feed at the bottom of the screen. Measured in
// Chromium drawing `seq 1 1000000`, that was about 60% of the parser's time and made tasks of 110-200 ms. The
// renderer draws once per animation frame anyway, so the scrollbar is synchronised once per frame here, with the
// same call and the same arguments xterm.js makes (it already defers it so in synchronized-output mode).
// If an upgrade changes the code, the build fails here instead of silently losing the change.
const ORIGINAL = "this._register(this._bufferService.onScroll(()=>this._sync()))";
const PER_FRAME =
  "this._register(this._bufferService.onScroll(()=>{" +
  "this._scitexScrollSync??=this._renderService.addRefreshCallback(()=>{this._scitexScrollSync=void 0;this._sync()})" +
  "}))";

module.exports = function xtermScrollSyncLoader(source) {
  const count = source.split(ORIGINAL).length - 1;
  if (count !== 1) {
    throw new Error(
      `xterm-scroll-sync-loader: expected the Viewport's per-scroll sync once in ${this.resourcePath}, found it ${count} times. ` +
        "An @xterm/xterm upgrade changed it: check whether it still syncs on every scroll, then update or drop scripts/build/xterm-scroll-sync-loader.cjs.",
    );
  }
  return source.replace(ORIGINAL, PER_FRAME);
};
