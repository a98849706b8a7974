// Waiting for something asynchronous (a reload, a restarted environment) without a timing
// assertion: the check is retried until it passes, and the wait is bounded only so that what
// never happens fails the test, with the last failure named.
import { setTimeout as delay } from 'node:timers/promises'

/** Retries `check` until it stops throwing; bounded, so a reload that never happens fails the test. */
export async function eventually<T>(check: () => Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      return await check()
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${String(last)}`)
    await delay(50)
  }
}
