import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  update(value: number, total: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr, drawn only when stderr is a terminal, so piped
 * or captured output stays clean. Starts on the first update.
 */
export function progressBar(label: string, unit: string): Progress {
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, total) {
      if (!started) {
        bar.start(total, value);
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(value);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
