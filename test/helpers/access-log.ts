// Reading a JSON-format access log that a gateway writes to a file.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'

/**
 * The one line of `requestId` in the JSON-format access log `file`: lines are written in
 * batches, so it is polled for (up to 10 s); more than one line for the request fails.
 */
export async function logLine(file: string, requestId: string): Promise<Record<string, string>> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []
    const found = lines.map((l) => JSON.parse(l) as Record<string, string>).filter((l) => l['requestId'] === requestId)
    if (found.length > 0) {
      assert.equal(found.length, 1, `one access-log line for ${requestId}`)
      return found[0] as Record<string, string>
    }
    if (Date.now() > deadline) throw new Error(`no access-log line for ${requestId} in ${file}`)
    await delay(20)
  }
}
