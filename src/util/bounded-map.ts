/**
 * @module
 * A `Map` that holds at most `max` entries: adding a new key past the bound drops the oldest
 * key first. Caches keyed by request input (tokens, identity values) use it so that no client
 * can grow the gateway's memory without bound.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly max: number

  constructor(max: number) {
    super()
    this.max = max
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.max) {
      const oldest = this.keys().next()
      if (oldest.done !== true) this.delete(oldest.value)
    }
    return super.set(key, value)
  }
}
