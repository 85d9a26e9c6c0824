/**
 * `RedisSlotLimiter`: per-endpoint in-flight limits shared by every worker on one Redis, so N
 * workers never send one vLLM replica more than its `maxInFlightPerEndpoint` together.
 *
 * Each endpoint URL is a sorted set of leases scored by their expiry (Redis's own clock, so
 * machines' clocks need not agree). Acquiring is one Lua script: drop expired leases, add ours if
 * fewer than `limit` remain. A holder renews its leases every third of `leaseMs`; a worker killed
 * with SIGKILL stops renewing, and its slots come back within `leaseMs`. Releasing removes the
 * lease and publishes the URL, which wakes the waiters of every process; a waiter that hears
 * nothing (a lost message, a lease that expired instead) tries again when the earliest lease
 * would expire, and at least every `maxWaitMs` — never a busy loop.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { DeliberateError } from "../errors.ts";
import type { SlotAcquireOptions, SlotLimiter, SlotRelease } from "../models/openai/slot-limiter.ts";
import { parseRedisUrl, redact } from "./redis-url.ts";

export interface RedisSlotLimiterOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** Prefix of the limiter's keys and channel. Default `deliberate:slots`. */
  prefix?: string;
  /** Life of a lease without renewal, ms (>= 100); a killed worker's slots return within it. Default 30_000. */
  leaseMs?: number;
  /** Longest wait between tries when no release is heard, ms. Default 1_000. */
  maxWaitMs?: number;
}

// KEYS[1] the endpoint's lease set. ARGV: lease id, limit, lease ms.
// Returns -1 when the lease is taken, else the ms until the earliest lease expires.
const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return -1
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(0, tonumber(first[2]) - now)
`;

// KEYS[1] the lease set. ARGV: lease id, lease ms. Returns 1 when renewed, 0 when it had expired.
const renewScript = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

// KEYS[1] the lease set, KEYS[2] the release channel. ARGV: lease id, endpoint URL.
const releaseScript = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('PUBLISH', KEYS[2], ARGV[2]) end
return 0
`;

interface LimiterCommands {
  slotAcquire(key: string, lease: string, limit: number, leaseMs: number): Promise<number>;
  slotRenew(key: string, lease: string, leaseMs: number): Promise<number>;
  slotRelease(key: string, channel: string, lease: string, url: string): Promise<number>;
}

interface Waiter {
  limit: number;
  signal?: AbortSignal;
  resolve(release: SlotRelease): void;
  reject(error: unknown): void;
}

/** The waiters of one URL and what wakes them. */
interface UrlState {
  waiters: Waiter[];
  pumping: boolean;
  /** Release messages heard for this URL; a try that raced one retries at once. */
  releases: number;
  wake?: () => void;
}

export class RedisSlotLimiter implements SlotLimiter {
  readonly #redis: Redis & LimiterCommands;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #leaseMs: number;
  readonly #maxWaitMs: number;
  readonly #urls = new Map<string, UrlState>();
  /** Leases held by this process: id → URL, renewed together. */
  readonly #held = new Map<string, string>();
  readonly #renewTimer: NodeJS.Timeout;
  /** The Redis URL without its password, for messages. */
  readonly #urlText: string;
  #subscribed: Promise<unknown> | undefined;
  #closed = false;

  constructor(options: RedisSlotLimiterOptions) {
    const { prefix = "deliberate:slots", leaseMs = 30_000, maxWaitMs = 1_000 } = options;
    const url = parseRedisUrl(options.url);
    if (!(leaseMs >= 100)) {
      throw new DeliberateError("BAD_REQUEST", `\`leaseMs\` must be >= 100, got ${leaseMs}`, {
        param: "leaseMs",
      });
    }
    this.#prefix = prefix;
    this.#channel = `${prefix}:released`;
    this.#leaseMs = leaseMs;
    this.#maxWaitMs = maxWaitMs;
    // Commands fail (and the request retries) rather than queue forever while Redis is away.
    const redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
    redis.defineCommand("slotAcquire", { numberOfKeys: 1, lua: acquireScript });
    redis.defineCommand("slotRenew", { numberOfKeys: 1, lua: renewScript });
    redis.defineCommand("slotRelease", { numberOfKeys: 2, lua: releaseScript });
    // Connection errors surface through the commands that fail; unhandled 'error' events would crash.
    redis.on("error", () => {});
    this.#redis = redis as Redis & LimiterCommands;
    this.#subscriber = redis.duplicate();
    this.#subscriber.on("error", () => {});
    this.#subscriber.on("message", (_channel: string, released: string) => this.#heard(released));
    this.#renewTimer = setInterval(() => this.#renew(), Math.max(1, Math.floor(leaseMs / 3)));
    this.#renewTimer.unref();
    this.#urlText = redact(url);
  }

  acquire(url: string, options: SlotAcquireOptions): Promise<SlotRelease> {
    const { limit, signal } = options;
    if (this.#closed) return Promise.reject(closedError());
    if (!(Number.isInteger(limit) && limit >= 1)) {
      return Promise.reject(
        new DeliberateError("BAD_REQUEST", `a slot limit must be an integer >= 1, got ${limit}`, {
          param: "limit",
        }),
      );
    }
    if (signal?.aborted) return Promise.reject(abortedError());
    const state = this.#state(url);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = state.waiters.indexOf(waiter);
        if (at >= 0) state.waiters.splice(at, 1);
        reject(abortedError());
        state.wake?.();
      };
      const waiter: Waiter = {
        limit,
        signal,
        resolve: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      state.waiters.push(waiter);
      void this.#pump(url, state);
    });
  }

  /** Slots of `url` held right now by every process (expired leases not counted). */
  async inUse(url: string): Promise<number> {
    const now = await this.#redis.time();
    const ms = Number(now[0]) * 1000 + Math.floor(Number(now[1]) / 1000);
    return this.#redis.zcount(this.#key(url), `(${ms}`, "+inf");
  }

  /** Rejects every waiter, gives back every held slot, and disconnects. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewTimer);
    for (const state of this.#urls.values()) {
      for (const waiter of state.waiters.splice(0)) waiter.reject(closedError());
      state.wake?.();
    }
    await Promise.allSettled(
      [...this.#held].map(([lease, url]) =>
        this.#redis.slotRelease(this.#key(url), this.#channel, lease, url),
      ),
    );
    this.#held.clear();
    this.#subscriber.disconnect();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #key(url: string): string {
    return `${this.#prefix}:${url}`;
  }

  #state(url: string): UrlState {
    let state = this.#urls.get(url);
    if (!state) {
      state = { waiters: [], pumping: false, releases: 0 };
      this.#urls.set(url, state);
    }
    return state;
  }

  #heard(url: string): void {
    const state = this.#urls.get(url);
    if (!state) return;
    state.releases++;
    state.wake?.();
  }

  /** Serves one URL's waiters in arrival order: only the first tries Redis; it waits while full. */
  async #pump(url: string, state: UrlState): Promise<void> {
    if (state.pumping) return;
    state.pumping = true;
    try {
      while (state.waiters.length > 0 && !this.#closed) {
        const head = state.waiters[0];
        const heard = state.releases;
        let waitMs: number;
        try {
          // Subscribed before the first try, so no release after it goes unheard.
          this.#subscribed ??= this.#subscriber.subscribe(this.#channel);
          await this.#subscribed;
          const lease = randomUUID();
          const outcome = await this.#redis.slotAcquire(this.#key(url), lease, head.limit, this.#leaseMs);
          if (outcome === -1) {
            this.#held.set(lease, url);
            const release = this.#releaser(lease, url);
            // The waiter may have given up while Redis answered: its slot goes straight back.
            if (state.waiters[0] === head) {
              state.waiters.shift();
              head.resolve(release);
            } else release();
            continue;
          }
          waitMs = outcome;
        } catch (error) {
          this.#subscribed = undefined;
          if (state.waiters[0] === head) state.waiters.shift();
          head.reject(
            new DeliberateError(
              "UPSTREAM",
              `the endpoint slot limiter at ${this.#urlText} failed: ${(error as Error).message}`,
              { retryable: true, cause: error },
            ),
          );
          continue;
        }
        if (state.releases !== heard) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.max(1, Math.min(waitMs + 1, this.#maxWaitMs)));
          function done() {
            clearTimeout(timer);
            state.wake = undefined;
            resolve();
          }
          state.wake = done;
        });
      }
    } finally {
      state.pumping = false;
    }
  }

  #releaser(lease: string, url: string): SlotRelease {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held.delete(lease);
      // Fire and forget: a release that fails leaves a lease that expires within leaseMs.
      this.#redis.slotRelease(this.#key(url), this.#channel, lease, url).catch(() => {});
    };
  }

  #renew(): void {
    if (this.#held.size === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const [lease, url] of this.#held) {
      (pipeline as unknown as LimiterCommands).slotRenew(this.#key(url), lease, this.#leaseMs);
    }
    // A failed renewal is retried on the next tick; a lease that expired meanwhile is lost, and the
    // request holding it finishes anyway (the limit may be passed by one for that moment).
    pipeline.exec().catch(() => {});
  }
}

function abortedError(): DeliberateError {
  return new DeliberateError("ABORTED", "the request was aborted while waiting for a shared endpoint slot");
}

function closedError(): DeliberateError {
  return new DeliberateError("ABORTED", "the endpoint slot limiter is closed");
}
