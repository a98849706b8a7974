/**
 * @module
 * Identifiers as AWS shapes them `[OBS]`: lower-case letters and digits, 10 characters for an
 * API, 7 for routes and integrations, 6 for the rest `[EMU]` (lengths seen on AWS; only the
 * alphabet matters to clients).
 */
import { randomBytes } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

export const ID_LENGTHS = { api: 10, route: 7, integration: 7, authorizer: 6, deployment: 6, model: 6, routeResponse: 6, integrationResponse: 6, apiMapping: 6 } as const

export function newId(kind: keyof typeof ID_LENGTHS, taken: (id: string) => boolean = () => false): string {
  for (;;) {
    const bytes = randomBytes(ID_LENGTHS[kind])
    let id = ''
    for (const b of bytes) id += ALPHABET[b % ALPHABET.length]
    if (!taken(id)) return id
  }
}

/** ISO-8601 without milliseconds, as API Gateway writes dates (`2020-04-08T19:05:45Z`). */
export function isoNow(now: number = Date.now()): string {
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
