/**
 * Finds stop strings in text that grows a token at a time, and says how much of the text is safe to
 * stream. A stop string can straddle tokens ("Final" + " answer:"), so a tail that could still become
 * a stop string is held back until the next token settles it.
 */
export interface StopMatch {
  /** Where the earliest stop string begins; the completion's text ends here. */
  index: number;
  /** The stop string found. */
  stop: string;
}

export class StopMatcher {
  private readonly stops: readonly string[];

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((stop) => stop.length > 0);
  }

  /** The earliest stop string in `text`, searching only from `from` (older text was checked already). */
  find(text: string, from = 0): StopMatch | undefined {
    let best: StopMatch | undefined;
    for (const stop of this.stops) {
      // A stop string that ends in the new text can begin up to stop.length - 1 characters earlier.
      const index = text.indexOf(stop, Math.max(0, from - stop.length + 1));
      if (index >= 0 && (best === undefined || index < best.index)) best = { index, stop };
    }
    return best;
  }

  /**
   * How many leading characters of `text` can be emitted now: everything except a suffix that is a
   * proper prefix of some stop string. Example: stops ["\n\n"], text "4\n" → 1 ("\n" may grow into "\n\n").
   */
  safeLength(text: string): number {
    let held = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > held; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          held = length;
          break;
        }
      }
    }
    return text.length - held;
  }
}
