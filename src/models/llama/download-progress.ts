/**
 * A download progress bar on stderr, only when stderr is a terminal (logs and pipes stay clean).
 */
import cliProgress from "cli-progress";

export interface DownloadProgress {
  update(status: { totalSize: number; downloadedSize: number }): void;
  stop(): void;
}

const BYTES_PER_MIB = 1024 * 1024;

/** A progress reporter for downloading `label`; a no-op when stderr is not a TTY. */
export function createDownloadProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): DownloadProgress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} MiB`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update({ totalSize, downloadedSize }) {
      const total = Math.max(1, Math.round(totalSize / BYTES_PER_MIB));
      const value = Math.round(downloadedSize / BYTES_PER_MIB);
      if (!started) {
        bar.start(total, value);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
