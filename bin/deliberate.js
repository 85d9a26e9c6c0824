#!/usr/bin/env node
// The package runs from its TypeScript sources through tsx, so `npx deliberate` needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
