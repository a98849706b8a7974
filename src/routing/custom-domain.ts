/**
 * @module
 * Custom domain names and their API mappings (spec 7.1-7.2): which domain a host names
 * (exact names before `*.` wildcards, which cover one label), and which mapping serves a
 * path: the longest key matching whole leading segments, else the mapping without a key.
 */
import type { CompiledApiMapping, CompiledDomainName, DomainNameTable } from '../model/index.js'



export class DomainNames implements DomainNameTable {
  readonly #exact = new Map<string, CompiledDomainName>()
  readonly #wildcard = new Map<string, CompiledDomainName>()
  readonly size: number

  constructor(domains: readonly CompiledDomainName[]) {
    for (const d of domains) {
      if (d.domainName.startsWith('*.')) this.#wildcard.set(d.domainName.slice(2), d)
      else this.#exact.set(d.domainName, d)
    }
    this.size = domains.length
  }

  /** The domain a host name (no port) belongs to, or `null`. */
  find(host: string): CompiledDomainName | null {
    if (this.size === 0) return null
    const name = host.toLowerCase()
    const exact = this.#exact.get(name)
    if (exact !== undefined) return exact
    const dot = name.indexOf('.')
    return dot < 0 ? null : (this.#wildcard.get(name.slice(dot + 1)) ?? null)
  }

  get all(): IterableIterator<CompiledDomainName> {
    return [...this.#exact.values(), ...this.#wildcard.values()][Symbol.iterator]()
  }
}

export interface MappingMatch {
  readonly mapping: CompiledApiMapping
  /** Path segments the key took. */
  readonly consumed: number
}

/** The mapping serving `segments` (the decoded request path split on `/`), or `null`. */
export function selectApiMapping(domain: CompiledDomainName, segments: readonly string[]): MappingMatch | null {
  for (const mapping of domain.mappings) {
    const key = mapping.segments
    if (key.length > segments.length) continue
    let i = 0
    while (i < key.length && key[i] === segments[i]) i++
    if (i === key.length) return { mapping, consumed: key.length }
  }
  return domain.unkeyed === null ? null : { mapping: domain.unkeyed, consumed: 0 }
}

/** The path without its first `n` segments (`/a/b/c`, 1 → `/b/c`; all → `/`). */
export function dropSegments(path: string, n: number): string {
  let at = 0
  for (let i = 0; i < n; i++) {
    const next = path.indexOf('/', at + 1)
    if (next < 0) return '/'
    at = next
  }
  return path.slice(at)
}

/**
 * The same on a still-encoded path, where an encoded slash (`%2F`) also separates segments,
 * as it does in the decoded path the segments were counted on (spec 2.4).
 */
export function dropRawSegments(rawPath: string, n: number): string {
  const separator = /\/|%2F/gi
  separator.lastIndex = 1
  let end = 0
  for (let i = 0; i < n; i++) {
    const m = separator.exec(rawPath)
    if (m === null) return '/'
    end = m.index
    separator.lastIndex = m.index + m[0].length
  }
  if (n === 0) return rawPath
  const rest = rawPath.slice(end)
  // `/dev%2Fa/b` loses `/dev` and keeps `/a/b`: the separator becomes a plain slash.
  return rest.startsWith('/') ? rest : `/${rest.slice(3)}`
}
