/** A background task started by {@link runPeriodically}. */
export interface PeriodicTask {
  /** Stops the timer and waits for the run in flight, so nothing touches the database after. */
  stop(): Promise<void>;
}

/**
 * Runs `task` now and then every `intervalMs` after each run ends, never two runs at once. A
 * failed run goes to `onError` and the next one runs on schedule. The timer is unref'd: it
 * does not keep the process alive by itself.
 */
export function runPeriodically(
  task: () => Promise<unknown>,
  intervalMs: number,
  onError: (err: unknown) => void,
): PeriodicTask {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = task()
      .then(
        () => undefined,
        (err: unknown) => onError(err),
      )
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(tick, intervalMs);
        timer.unref();
      });
  };
  // The first run right away: a restart must not postpone overdue work by a whole interval.
  timer = setTimeout(tick, 0);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
