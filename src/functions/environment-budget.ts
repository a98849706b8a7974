/**
 * @module
 * The environments of all functions together, so that the gateway's memory has a stated
 * upper bound: at most `maxEnvironments` alive at once (each at most its function's
 * `memorySize`), and none kept idle longer than `idleTimeoutMs`. At the cap, a new
 * environment first evicts the least recently used idle environment of any function (what
 * Lambda does with idle environments); if none is idle, the invocation waits for a slot.
 */

/** How long an environment may stay idle (frozen, between invocations) before it is reclaimed. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000

/**
 * Idle environments are looked for this often at most (more often when the idle timeout is
 * shorter): one timer for all, so an environment is reclaimed between `idleTimeoutMs` and
 * `idleTimeoutMs` plus this after its last invocation, and an invocation arms no timer.
 */
export const IDLE_SWEEP_INTERVAL_MS = 10_000

/** Environments of all functions together, by default. */
export const DEFAULT_MAX_ENVIRONMENTS = 64

export interface EnvironmentLimits {
  /** Idle environments older than this are ended (default `DEFAULT_IDLE_TIMEOUT_MS`). */
  readonly idleTimeoutMs?: number
  /** Environments of all functions together (default `DEFAULT_MAX_ENVIRONMENTS`). */
  readonly maxEnvironments?: number
}

/** What the budget needs of a pool. */
export interface BudgetMember {
  /** When its least recently used idle environment finished (`performance.now()`), if it has one. */
  oldestIdle(): number | undefined
  /** Ends that environment; its slot goes to the caller of `tryTake` (no `release`). */
  evictOldestIdle(): void
  /** A slot is free: start a waiting invocation in it (taking it with `tryTake`); false if none waits. */
  slotFreed(): boolean
  /** Ends the idle environments whose last invocation finished before `before` (`performance.now()` time). */
  reclaimIdle(before: number): void
}

export class EnvironmentBudget {
  readonly idleTimeoutMs: number
  readonly maxEnvironments: number
  #alive = 0
  #peak = 0
  readonly #members = new Set<BudgetMember>()
  /** Pools with invocations waiting for a slot, first come first served. */
  readonly #waiting: BudgetMember[] = []
  #sweeper: NodeJS.Timeout | undefined

  constructor(limits: EnvironmentLimits = {}) {
    this.idleTimeoutMs = limits.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
    this.maxEnvironments = limits.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS
  }

  /** Environments alive now, of every function (and of snapshots a reload retired). */
  get alive(): number {
    return this.#alive
  }

  /** The most environments alive at once so far. */
  get peak(): number {
    return this.#peak
  }

  /** Whether invocations of some pool wait for a slot (a released environment should go to them). */
  get contended(): boolean {
    return this.#waiting.length > 0
  }

  join(member: BudgetMember): void {
    this.#members.add(member)
    if (this.#sweeper === undefined) {
      this.#sweeper = setInterval(() => this.#sweep(), Math.min(this.idleTimeoutMs, IDLE_SWEEP_INTERVAL_MS))
      this.#sweeper.unref()
    }
  }

  leave(member: BudgetMember): void {
    this.#members.delete(member)
    this.#unwait(member)
    if (this.#members.size === 0) {
      clearInterval(this.#sweeper)
      this.#sweeper = undefined
    }
  }

  #sweep(): void {
    const before = performance.now() - this.idleTimeoutMs
    for (const member of this.#members) member.reclaimIdle(before)
  }

  /** Takes a slot for a new environment, evicting the least recently used idle one at the cap. */
  tryTake(): boolean {
    if (this.#alive >= this.maxEnvironments) {
      let victim: BudgetMember | undefined
      let oldest = Infinity
      for (const member of this.#members) {
        const t = member.oldestIdle()
        if (t !== undefined && t < oldest) {
          oldest = t
          victim = member
        }
      }
      if (victim === undefined) return false
      victim.evictOldestIdle()
      this.#alive--
    }
    this.#alive++
    if (this.#alive > this.#peak) this.#peak = this.#alive
    return true
  }

  /** Gives a slot back (an environment ended); a waiting pool gets it. */
  release(): void {
    this.#alive--
    while (this.#waiting.length > 0) {
      const member = this.#waiting.shift() as BudgetMember
      if (member.slotFreed()) return
    }
  }

  /** `member` has an invocation waiting for a slot. */
  wait(member: BudgetMember): void {
    if (!this.#waiting.includes(member)) this.#waiting.push(member)
  }

  #unwait(member: BudgetMember): void {
    const i = this.#waiting.indexOf(member)
    if (i >= 0) this.#waiting.splice(i, 1)
  }
}
