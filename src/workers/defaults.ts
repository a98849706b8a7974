/**
 * @module
 * How many workers `gatehouse serve` runs without `--workers`: one per core in production,
 * one in development, so that a developer's gateway stays one process (one set of logs, one
 * debugger, function environments in one place) and nothing changes for them.
 */
import { availableParallelism } from 'node:os'

/** Production mode is `NODE_ENV=production`, the convention Node.js tooling already follows. */
export const PRODUCTION_ENV = { name: 'NODE_ENV', value: 'production' } as const

export function defaultWorkers(env: NodeJS.ProcessEnv = process.env): number {
  return env[PRODUCTION_ENV.name] === PRODUCTION_ENV.value ? availableParallelism() : 1
}
