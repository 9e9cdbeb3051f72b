/** Where a progress bar draws: standard error, or a test's capture. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** A progress bar for long work (DESIGN: `cli` shows progress bars). */
export interface ProgressBar {
  /** Sets the number of items done; redraws at most ten times a second. */
  update(done: number): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

const WIDTH = 30;

/**
 * A dependency-free progress bar: `label [#####-----]  52% 520/1000`. On a terminal it redraws in
 * place with `\r`; elsewhere (CI logs, tests) it prints a line at most every 10% so logs stay short.
 */
export function progressBar(stream: ProgressStream, label: string, total: number): ProgressBar {
  let last = 0;
  let lastDecile = -1;
  const draw = (done: number, final: boolean): void => {
    const ratio = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(ratio * WIDTH);
    const text = `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total}`;
    if (stream.isTTY === true) {
      stream.write(`\r${text}${final ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (final || decile > lastDecile) {
      lastDecile = decile;
      stream.write(`${text}\n`);
    }
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(done, false);
    },
    finish() {
      draw(total, true);
    },
  };
}
