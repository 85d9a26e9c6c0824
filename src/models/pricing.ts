/**
 * What model calls cost: one rule for `deliberate solve` and the eval harness. A configured model's
 * `price` (per million tokens, in the config's unit) becomes per-token `Prices` once, and is
 * attached to the backend the registry builds for it (`ModelRegistry.prices(backendId)`), so usage
 * keyed by backend id finds its price whatever spec named the model (`tiny`, `raw:tiny`, a path).
 */

/** Per-million-token prices, as a config file or an eval plan writes them. */
export interface PricePerMillion {
  /** Cost per million prompt tokens, >= 0. */
  prompt: number;
  /** Cost per million completion tokens, >= 0. */
  completion: number;
}

/** Per-token prices in the configured unit (a currency, or a compute unit such as MFLOP). */
export interface Prices {
  prompt: number;
  completion: number;
}

/** Token counts, the part of a usage record a cost is computed from. */
export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
}

/** The per-token prices of a per-million price. */
export function perToken(price: PricePerMillion): Prices {
  return { prompt: price.prompt / 1e6, completion: price.completion / 1e6 };
}

/** The cost of `promptTokens` and `completionTokens` at per-token `prices`; 0 without prices. */
export function costOf(promptTokens: number, completionTokens: number, prices?: Prices): number {
  return prices ? promptTokens * prices.prompt + completionTokens * prices.completion : 0;
}

/**
 * Sets `cost` on each usage entry (keyed by backend id) whose backend has prices; an entry that
 * already carries a cost (a strategy reported it) keeps it, an entry without prices gets none.
 */
export function priceUsage(
  usage: Record<string, TokenCounts & { cost?: number }>,
  pricesOf: (backendId: string) => Prices | undefined,
): void {
  for (const [id, entry] of Object.entries(usage)) {
    const prices = pricesOf(id);
    if (prices && entry.cost === undefined)
      entry.cost = costOf(entry.promptTokens, entry.completionTokens, prices);
  }
}
