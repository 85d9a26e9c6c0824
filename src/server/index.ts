/** `deliberate/server`: the OpenAI-compatible reasoning server as a library. */
export { type AppOptions, createApp, type DeliberateApp } from "./app.ts";
export type { StrategyRunner } from "./chat-completions.ts";
export { type RunningServer, type StartServerOptions, startServer } from "./start-server.ts";
export { runRegisteredStrategy, strategyNames } from "./strategy-runner.ts";
