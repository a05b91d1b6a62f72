/**
 * Requests this process has answered, over every Server in it: read by worker processes for
 * `maxRequests` (src/edges). A plain counter, so counting costs the hot path one increment.
 */
export const served = { count: 0 };
