/** `deliberate/server`: the OpenAI-compatible reasoning server as a library. */
export { type AppOptions, createApp, type DeliberateApp } from "./app.ts";
export { DEFAULT_WORK_LIMITS, type StrategyPlanner, type Work, type WorkLimits } from "./request-work.ts";
export { type RunningServer, type StartServerOptions, startServer } from "./start-server.ts";
export type { StrategyRunner } from "./strategy-runner.ts";
export { runRegisteredStrategy, strategyNames } from "./strategy-runner.ts";
export { planRegisteredStrategy, strategyWork } from "./strategy-work.ts";
