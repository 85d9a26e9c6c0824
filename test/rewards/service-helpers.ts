/**
 * The reward service on a loopback port for tests, and a client for it: `post` sends JSON (with a
 * key when given) and returns the status, the parsed body and the headers. `withRealScorer` serves
 * the real scorer (grading pool and sandbox) for a test file. `GateScorer` is a scorer the test
 * controls: its batches stay in flight until the test opens the gate.
 */
import { after, before } from "node:test";
import {
  type CreateRewardScorerOptions,
  createRewardScorer,
} from "../../src/rewards/create-reward-scorer.ts";
import {
  type RunningRewardService,
  type ServeRewardsOptions,
  serveRewards,
} from "../../src/rewards/serve-rewards.ts";
import type { RewardItem, RewardResult, RewardScorer } from "../../src/rewards/types.ts";

export interface Reply<T = Record<string, unknown>> {
  status: number;
  json: T;
  headers: Headers;
}

export interface TestService {
  url: string;
  service: RunningRewardService;
  post<T = Record<string, unknown>>(path: string, body: unknown, key?: string): Promise<Reply<T>>;
  get(path: string, key?: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export async function startService(options: Omit<ServeRewardsOptions, "port">): Promise<TestService> {
  const service = await serveRewards({ ...options, port: 0 });
  const headers = (key?: string) => ({
    "content-type": "application/json",
    ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
  });
  return {
    url: service.url,
    service,
    async post(path, body, key) {
      const response = await fetch(service.url + path, {
        method: "POST",
        headers: headers(key),
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as never, headers: response.headers };
    },
    async get(path, key) {
      const response = await fetch(service.url + path, { headers: headers(key) });
      return { status: response.status, text: await response.text() };
    },
    close: () => service.close(),
  };
}

/**
 * The real scorer behind a service for the whole test file (started in `before`, closed in `after`);
 * call the returned function inside tests. `enabled: false` starts nothing (a skipped file).
 */
export function withRealScorer(
  scorerOptions: CreateRewardScorerOptions,
  serviceOptions: Omit<ServeRewardsOptions, "port" | "scorer"> = {},
  enabled = true,
): () => TestService {
  let service: TestService | undefined;
  let close = async () => {};
  before(async () => {
    if (!enabled) return;
    const scorer = createRewardScorer(scorerOptions);
    close = () => scorer.close();
    service = await startService({ ...serviceOptions, scorer });
  });
  after(async () => {
    await service?.close();
    await close();
  });
  return () => service!;
}

/** A result as the scorer would give for a right (or wrong) math answer. */
export function fixedResult(correct: boolean): RewardResult {
  return {
    reward: correct ? 1 : 0,
    verdict: correct ? "correct" : "incorrect",
    scored: true,
    predicted: "4",
    gold: "4",
    method: "numeric",
    reason: "test",
    components: { correctness: correct ? 1 : 0 },
    ms: 1,
  };
}

/** Holds every batch until `open()`; records the batches it was given. */
export class GateScorer implements RewardScorer {
  readonly batches: RewardItem[][] = [];
  private waiters: Array<() => void> = [];
  private opened = false;

  async score(items: readonly RewardItem[]): Promise<RewardResult[]> {
    this.batches.push([...items]);
    if (!this.opened) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return items.map((item) => fixedResult(item.output.includes(item.gold ?? "\u0000")));
  }

  /** Resolves once `n` batches have reached the scorer. */
  async reached(n: number): Promise<void> {
    while (this.batches.length < n) await new Promise((r) => setImmediate(r));
  }

  open(): void {
    this.opened = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  async close(): Promise<void> {}
}
