/**
 * Runs `tick` every `intervalMs` (and again at once when it reports more work), never two at a
 * time; `stop` waits for the tick in hand. `wake` brings the next tick forward.
 */
export function startLoop(
  name: string,
  intervalMs: number,
  tick: () => Promise<boolean>,
  onError: (error: unknown) => void,
): { stop(): Promise<void>; wake(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let wakeRequested = false;

  const schedule = (delay: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, delay);
    timer.unref();
  };

  function run() {
    if (stopped || running) {
      wakeRequested = true;
      return;
    }
    running = (async () => {
      let more = false;
      try {
        more = await tick();
      } catch (error) {
        onError(error);
      }
      running = undefined;
      const again = more || wakeRequested;
      wakeRequested = false;
      schedule(again ? 0 : intervalMs);
    })();
  }

  schedule(0);
  return {
    wake: () => schedule(0),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      void name;
    },
  };
}
