/**
 * A process that takes slots and never gives them back, for the kill test: argv = Redis URL,
 * endpoint URL, slots to take, limit, lease ms. Prints `held` once it holds them all, then keeps
 * renewing them until it is killed.
 */
import { RedisSlotLimiter } from "../../../src/queue/redis-limiter.ts";

const [redisUrl, endpoint, count, limit, leaseMs] = process.argv.slice(2);
const limiter = new RedisSlotLimiter({ url: redisUrl!, leaseMs: Number(leaseMs) });
for (let i = 0; i < Number(count); i++) await limiter.acquire(endpoint!, { limit: Number(limit) });
process.stdout.write("held\n");
setInterval(() => {}, 1 << 30);
