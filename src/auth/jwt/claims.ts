/**
 * @module
 * How API Gateway renders JWT claims in payload 2.0 events (spec 3.4, `[EMU][OBS]`): strings
 * verbatim; numbers and booleans as strings; arrays as `[a b]` (Go's fmt style, not JSON);
 * objects as compact JSON; `null` claims omitted. And the token's scopes: `scp`, else the
 * space-separated `scope` claim.
 */

export function renderClaims(payload: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(payload)) {
    if (value === null || value === undefined) continue
    out[name] = renderValue(value)
  }
  return out
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))).join(' ')}]`
  return JSON.stringify(value)
}

export function tokenScopes(payload: Readonly<Record<string, unknown>>): string[] {
  const scp = payload['scp']
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string')
  if (typeof scp === 'string') return scp.split(' ').filter((s) => s !== '')
  const scope = payload['scope']
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : []
}
