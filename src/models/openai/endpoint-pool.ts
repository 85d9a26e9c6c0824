/**
 * A pool of base URLs serving one model: which endpoint takes the next request.
 *
 * - Prefix affinity: endpoints are ranked per routing key by rendezvous hashing; the top one is
 *   preferred so shared prompt prefixes hit a warm KV cache.
 * - Load: each endpoint takes at most `maxInFlight` requests at once. When the preferred one is full,
 *   two of the others with room are sampled and the less loaded wins (power of two choices,
 *   Mitzenmacher 2001); when all are full the request waits for a slot, in arrival order.
 * - Health: `ejectAfterFailures` consecutive failures eject an endpoint for `cooldownMs`; after that a
 *   single probe request may go through (half-open) and its success re-admits the endpoint.
 */
import { DeliberateError } from "../../errors.ts";
import { rankEndpoints } from "./prefix-hash.ts";
import type { SlotLimiter } from "./slot-limiter.ts";

export interface EndpointPoolOptions {
  /** Base URLs, at least one, all serving the same model. */
  urls: readonly string[];
  /** Most requests one endpoint serves at once, >= 1. Default 8. */
  maxInFlight?: number;
  /** Consecutive failures that eject an endpoint, >= 1. Default 3. A pool of one never ejects: there is nowhere else to go. */
  ejectAfterFailures?: number;
  /** How long an ejected endpoint rests before one probe request may re-admit it, in ms. Default 10_000. */
  cooldownMs?: number;
  /** Random numbers in [0, 1) for the second choices. Default `Math.random`. */
  random?: () => number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Makes `maxInFlight` hold across processes (distributed workers): each lease also holds one of
   * the endpoint's `maxInFlight` shared slots, taken after the local one. Default: none, the limit
   * is this process's alone.
   */
  limiter?: SlotLimiter;
}

/** How a leased request went, as far as the endpoint's health is concerned. */
export type LeaseOutcome =
  /** It answered. */
  | "success"
  /** It failed in a way that blames the endpoint (unreachable, 5xx, timeout, garbage). */
  | "failure"
  /** Says nothing about the endpoint (the caller aborted, a 4xx for our request, a rate limit). */
  | "neutral";

export interface EndpointLease {
  url: string;
  /** Gives the slot back and records the outcome. Only the first call counts. */
  release(outcome: LeaseOutcome): void;
}

export type EndpointHealth = "healthy" | "ejected" | "probing";

export interface EndpointSnapshot {
  url: string;
  health: EndpointHealth;
  inFlight: number;
  consecutiveFailures: number;
  /** Requests leased to it so far. */
  served: number;
}

interface EndpointState {
  url: string;
  health: EndpointHealth;
  inFlight: number;
  consecutiveFailures: number;
  served: number;
  /** Epoch ms when an ejected endpoint may be probed. */
  ejectedUntil: number;
}

interface Waiter {
  key: string;
  avoid: ReadonlySet<string>;
  resolve(lease: EndpointLease): void;
  reject(error: unknown): void;
}

export interface AcquireOptions {
  /** Endpoints to skip if any other can serve (e.g. the one a retry just failed on). */
  avoid?: ReadonlySet<string>;
  signal?: AbortSignal;
}

export class EndpointPool {
  readonly #endpoints: EndpointState[];
  readonly #byUrl = new Map<string, EndpointState>();
  readonly #waiters: Waiter[] = [];
  readonly #maxInFlight: number;
  readonly #ejectAfterFailures: number;
  readonly #cooldownMs: number;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #limiter: SlotLimiter | undefined;

  constructor(options: EndpointPoolOptions) {
    const { urls, maxInFlight = 8, ejectAfterFailures = 3, cooldownMs = 10_000 } = options;
    if (urls.length === 0)
      throw new DeliberateError("BAD_REQUEST", "an endpoint pool needs at least one URL");
    this.#maxInFlight = maxInFlight;
    this.#ejectAfterFailures = ejectAfterFailures;
    this.#cooldownMs = cooldownMs;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#limiter = options.limiter;
    this.#endpoints = [...new Set(urls)].map((url) => ({
      url,
      health: "healthy",
      inFlight: 0,
      consecutiveFailures: 0,
      served: 0,
      ejectedUntil: 0,
    }));
    for (const endpoint of this.#endpoints) this.#byUrl.set(endpoint.url, endpoint);
  }

  get urls(): string[] {
    return this.#endpoints.map((endpoint) => endpoint.url);
  }

  snapshot(): EndpointSnapshot[] {
    return this.#endpoints.map(({ url, health, inFlight, consecutiveFailures, served }) => ({
      url,
      health,
      inFlight,
      consecutiveFailures,
      served,
    }));
  }

  /**
   * Leases a slot on the best endpoint for `key`, waiting while every usable endpoint is full (and,
   * with a `limiter`, while its shared slots are all taken). Rejects with a retryable UPSTREAM error
   * when every endpoint is ejected or the limiter is unreachable, or ABORTED on `signal`.
   */
  acquire(key: string, options: AcquireOptions = {}): Promise<EndpointLease> {
    const local = this.#acquireLocal(key, options);
    return this.#limiter ? local.then((lease) => this.#holdShared(lease, options.signal)) : local;
  }

  /**
   * The shared slot for a local lease. The endpoint is already chosen: a full endpoint elsewhere
   * makes this request wait rather than re-route (other processes' load is not visible here).
   */
  async #holdShared(lease: EndpointLease, signal: AbortSignal | undefined): Promise<EndpointLease> {
    let releaseShared: () => void;
    try {
      releaseShared = await this.#limiter!.acquire(lease.url, { limit: this.#maxInFlight, signal });
    } catch (error) {
      lease.release("neutral");
      throw error;
    }
    return {
      url: lease.url,
      release: (outcome) => {
        releaseShared();
        lease.release(outcome);
      },
    };
  }

  #acquireLocal(key: string, options: AcquireOptions): Promise<EndpointLease> {
    const { avoid = new Set<string>(), signal } = options;
    if (signal?.aborted) return Promise.reject(aborted());
    let lease: EndpointLease | null;
    try {
      lease = this.#tryLease(key, avoid);
    } catch (error) {
      return Promise.reject(error);
    }
    if (lease) return Promise.resolve(lease);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(aborted());
      };
      const waiter: Waiter = {
        key,
        avoid,
        resolve: (lease) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(lease);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** A lease, `null` when every usable endpoint is full; throws when none is usable at all. */
  #tryLease(key: string, avoid: ReadonlySet<string>): EndpointLease | null {
    const now = this.#now();
    const usable = this.#endpoints.filter((endpoint) => this.#usable(endpoint, now));
    if (usable.length === 0) {
      const next = Math.min(...this.#endpoints.map((endpoint) => endpoint.ejectedUntil));
      const waitMs = Math.max(0, next - now);
      throw new DeliberateError(
        "UPSTREAM",
        `all ${this.#endpoints.length} endpoints are ejected after repeated failures; the next probe is in ${waitMs} ms`,
        { retryable: true, retryAfter: waitMs / 1000 },
      );
    }
    const preferable = usable.filter((endpoint) => !avoid.has(endpoint.url));
    const candidates = preferable.length > 0 ? preferable : usable;
    const ranked = rankEndpoints(
      key,
      candidates.map((endpoint) => endpoint.url),
    ).map((url) => this.#byUrl.get(url)!);
    const [preferred, ...others] = ranked;
    if (this.#hasRoom(preferred, now)) return this.#lease(preferred, now);
    const open = others.filter((endpoint) => this.#hasRoom(endpoint, now));
    if (open.length === 0) return null;
    return this.#lease(this.#lessLoadedOfTwo(open), now);
  }

  /** Power of two choices among endpoints with room; ties go to the better-ranked (earlier) one. */
  #lessLoadedOfTwo(open: EndpointState[]): EndpointState {
    if (open.length === 1) return open[0];
    const first = Math.floor(this.#random() * open.length);
    let second = Math.floor(this.#random() * (open.length - 1));
    if (second >= first) second++;
    const [a, b] = first < second ? [open[first], open[second]] : [open[second], open[first]];
    return b.inFlight < a.inFlight ? b : a;
  }

  /** Could serve now or soon: healthy, probing (its probe's release wakes waiters), or cooled down. */
  #usable(endpoint: EndpointState, now: number): boolean {
    return endpoint.health !== "ejected" || endpoint.ejectedUntil <= now;
  }

  #hasRoom(endpoint: EndpointState, now: number): boolean {
    // A half-open endpoint takes exactly one probe, and only when nothing else is in flight on it.
    if (endpoint.health === "ejected") return endpoint.ejectedUntil <= now && endpoint.inFlight === 0;
    return endpoint.health === "healthy" && endpoint.inFlight < this.#maxInFlight;
  }

  #lease(endpoint: EndpointState, now: number): EndpointLease {
    const probe = endpoint.health === "ejected" && endpoint.ejectedUntil <= now;
    if (probe) endpoint.health = "probing";
    endpoint.inFlight++;
    endpoint.served++;
    let released = false;
    return {
      url: endpoint.url,
      release: (outcome) => {
        if (released) return;
        released = true;
        endpoint.inFlight--;
        this.#record(endpoint, outcome, probe);
        this.#wake();
      },
    };
  }

  #record(endpoint: EndpointState, outcome: LeaseOutcome, probe: boolean): void {
    switch (outcome) {
      case "success":
        endpoint.consecutiveFailures = 0;
        endpoint.health = "healthy";
        return;
      case "failure":
        endpoint.consecutiveFailures++;
        if (probe || this.#shouldEject(endpoint)) {
          endpoint.health = "ejected";
          endpoint.ejectedUntil = this.#now() + this.#cooldownMs;
        }
        return;
      case "neutral":
        // A probe that proved nothing leaves the endpoint half-open for the next request.
        if (probe) endpoint.health = "ejected";
        return;
      default:
        outcome satisfies never;
    }
  }

  #shouldEject(endpoint: EndpointState): boolean {
    return (
      this.#endpoints.length > 1 &&
      endpoint.health === "healthy" &&
      endpoint.consecutiveFailures >= this.#ejectAfterFailures
    );
  }

  /** Hands freed slots to waiters in arrival order; a waiter whose endpoints are all gone is rejected. */
  #wake(): void {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0];
      let lease: EndpointLease | null;
      try {
        lease = this.#tryLease(waiter.key, waiter.avoid);
      } catch (error) {
        this.#waiters.shift();
        waiter.reject(error);
        continue;
      }
      if (!lease) return;
      this.#waiters.shift();
      waiter.resolve(lease);
    }
  }
}

function aborted(): DeliberateError {
  return new DeliberateError("ABORTED", "the request was aborted while waiting for an endpoint slot");
}
