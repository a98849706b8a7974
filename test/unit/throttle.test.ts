import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_ACCOUNT_THROTTLE, InMemoryRateLimiter, MAX_BUCKETS, TokenBucket, type Clock } from '../../src/throttle/index.js'
import type { ThrottleLayer, ThrottleLimits } from '../../src/model/index.js'

// Token buckets and the layered in-memory limiter (spec 6.1), driven by an injected clock:
// no test here waits for real time.

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/** A clock that only moves when told to (milliseconds). */
class ManualClock implements Clock {
  #now: number
  constructor(start = 1_700_000_000_000) {
    this.#now = start
  }
  now(): number {
    return this.#now
  }
  advance(ms: number): void {
    this.#now += ms
  }
}

const limits = (rateLimit: number, burstLimit: number): ThrottleLimits => ({ rateLimit, burstLimit })
const layer = (key: string, rateLimit: number, burstLimit: number): ThrottleLayer => ({ key, limits: limits(rateLimit, burstLimit) })

/** Takes from `bucket` at `now` `n` times and returns the answers. */
function takes(bucket: TokenBucket, now: number, n: number): boolean[] {
  return Array.from({ length: n }, () => bucket.take(now))
}

/** Asks the limiter `n` times for `layers` and returns the answers. */
function takesOf(limiter: InMemoryRateLimiter, layers: readonly ThrottleLayer[], n: number): boolean[] {
  return Array.from({ length: n }, () => limiter.take(layers))
}

/** `n` trues followed by `m` falses. */
const passThenRefuse = (n: number, m: number): boolean[] => [...Array<boolean>(n).fill(true), ...Array<boolean>(m).fill(false)]

// ---------------------------------------------------------------------------------------
// TokenBucket
// ---------------------------------------------------------------------------------------

test('the account-level default is 10,000 requests per second with a burst of 5,000', () => {
  assert.deepEqual({ ...DEFAULT_ACCOUNT_THROTTLE }, { rateLimit: 10_000, burstLimit: 5_000 })
})

test('a new bucket of burst N passes N immediate takes and refuses the N+1st', () => {
  for (const burst of [1, 2, 10, 100]) {
    const bucket = new TokenBucket(limits(1, burst), 0)
    assert.deepEqual(takes(bucket, 0, burst + 1), passThenRefuse(burst, 1), `burst ${burst}`)
  }
})

test('after 1/rate seconds an empty bucket has exactly one more token, not before', () => {
  const bucket = new TokenBucket(limits(4, 2), 0) // one token every 250 ms
  assert.deepEqual(takes(bucket, 0, 3), passThenRefuse(2, 1))
  assert.equal(bucket.take(249), false, 'not yet refilled at 249 ms')
  assert.deepEqual(takes(bucket, 250, 2), passThenRefuse(1, 1), 'exactly one token at 250 ms')
  assert.deepEqual(takes(bucket, 500, 2), passThenRefuse(1, 1), 'and exactly one more 250 ms later')
})

test('refill is capped at the burst however long the bucket stays idle', () => {
  const bucket = new TokenBucket(limits(100, 3), 0)
  assert.deepEqual(takes(bucket, 0, 4), passThenRefuse(3, 1))
  assert.deepEqual(takes(bucket, 3_600_000, 4), passThenRefuse(3, 1))
})

test('a fractional rate refills one token every 1/rate seconds', () => {
  const bucket = new TokenBucket(limits(0.5, 1), 0) // one token every 2 s
  assert.deepEqual(takes(bucket, 0, 2), passThenRefuse(1, 1))
  assert.equal(bucket.take(1_999), false)
  assert.equal(bucket.take(2_000), true)
  assert.equal(bucket.take(2_000), false)
  const slow = new TokenBucket(limits(0.001, 1), 0) // one token every 1,000 s
  assert.deepEqual(takes(slow, 0, 2), passThenRefuse(1, 1))
  assert.equal(slow.take(999_999), false)
  assert.equal(slow.take(1_000_000), true)
})

test('partial tokens accumulate across takes that are refused', () => {
  const bucket = new TokenBucket(limits(3, 1), 0) // 1/3 token per 111 ms
  assert.equal(bucket.take(0), true)
  assert.equal(bucket.take(111), false)
  assert.equal(bucket.take(222), false)
  assert.equal(bucket.take(333), false, '0.999 tokens at 333 ms')
  assert.equal(bucket.take(334), true, '1.002 tokens at 334 ms')
})

test('a bucket answers the same at a time whether or not it was asked in between', () => {
  // Rate 10/s: one token after exactly 100 ms. Asking every 10 ms in between (all refused)
  // must not change the answer at 100 ms, as it would if each ask added 0.1 in floating point.
  const quiet = new TokenBucket(limits(10, 1), 0)
  const polled = new TokenBucket(limits(10, 1), 0)
  assert.equal(quiet.take(0), true)
  assert.equal(polled.take(0), true)
  for (let t = 10; t < 100; t += 10) assert.equal(polled.take(t), false, `refused at ${t} ms`)
  assert.equal(quiet.take(100), true, 'one token at 100 ms')
  assert.equal(polled.take(100), true, 'one token at 100 ms after being asked every 10 ms')
})

test('hasToken() reports whether a refilled token is there without taking it', () => {
  const bucket = new TokenBucket(limits(2, 4), 0)
  assert.equal(bucket.hasToken(0), true)
  assert.deepEqual(takes(bucket, 0, 4), passThenRefuse(4, 0))
  assert.equal(bucket.hasToken(0), false)
  assert.equal(bucket.hasToken(499), false)
  assert.equal(bucket.hasToken(500), true)
  assert.equal(bucket.hasToken(500), true, 'asking twice takes nothing')
  assert.equal(bucket.take(500), true)
  assert.equal(bucket.take(500), false)
})

test('a clock that goes backwards neither refills nor breaks the bucket', () => {
  const bucket = new TokenBucket(limits(1, 1), 10_000)
  assert.equal(bucket.take(10_000), true)
  assert.equal(bucket.take(5_000), false)
  assert.equal(bucket.take(10_500), false)
  assert.equal(bucket.take(11_000), true)
})

test('burst 0 always refuses, however much time passes (provisional)', () => {
  for (const rate of [0, 1, 10_000]) {
    const bucket = new TokenBucket(limits(rate, 0), 0)
    assert.equal(bucket.take(0), false, `rate ${rate} at 0 ms`)
    assert.equal(bucket.take(1_000), false, `rate ${rate} after 1 s`)
    assert.equal(bucket.take(86_400_000), false, `rate ${rate} after a day`)
  }
})

test('rate 0 with burst > 0 allows the burst and then refuses forever (provisional)', () => {
  const bucket = new TokenBucket(limits(0, 3), 0)
  assert.deepEqual(takes(bucket, 0, 4), passThenRefuse(3, 1))
  assert.equal(bucket.take(86_400_000), false)
  assert.equal(bucket.take(Number.MAX_SAFE_INTEGER), false)
})

// ---------------------------------------------------------------------------------------
// InMemoryRateLimiter
// ---------------------------------------------------------------------------------------

test('the limiter gives each key its own bucket, started full, refilled by the injected clock', () => {
  const clock = new ManualClock()
  const limiter = new InMemoryRateLimiter({ clock })
  const a = [layer('route:api/$default/GET /a', 10, 2)]
  const b = [layer('route:api/$default/GET /b', 10, 2)]
  assert.deepEqual(takesOf(limiter, a, 3), passThenRefuse(2, 1))
  assert.deepEqual(takesOf(limiter, b, 3), passThenRefuse(2, 1), 'another key is unaffected')
  clock.advance(99)
  assert.equal(limiter.take(a), false)
  clock.advance(1)
  assert.deepEqual(takesOf(limiter, a, 2), passThenRefuse(1, 1), 'one token after 1/rate s')
  assert.equal(limiter.size, 2)
})

test('a request passes only when every layer has a token, and then takes one from each', () => {
  const clock = new ManualClock()
  const limiter = new InMemoryRateLimiter({ clock })
  const account = layer('account', 0.001, 3)
  const a = layer('route:a', 0.001, 5)
  const b = layer('route:b', 0.001, 5)
  assert.deepEqual(takesOf(limiter, [a, account], 2), passThenRefuse(2, 0))
  assert.deepEqual(takesOf(limiter, [b, account], 2), passThenRefuse(1, 1), 'the account has one token left')
  // Each layer lost exactly the tokens of the requests that passed.
  assert.deepEqual(takesOf(limiter, [a], 4), passThenRefuse(3, 1))
  assert.deepEqual(takesOf(limiter, [b], 5), passThenRefuse(4, 1))
})

test('a request refused by one layer takes nothing from the others', () => {
  const limiter = new InMemoryRateLimiter({ clock: new ManualClock() })
  const account = layer('account', 0.001, 3)
  const a = layer('route:a', 0.001, 1)
  const b = layer('route:b', 0.001, 10)
  // Route a refuses its second request: the account keeps its tokens.
  assert.deepEqual(takesOf(limiter, [a, account], 5), passThenRefuse(1, 4))
  assert.deepEqual(takesOf(limiter, [b, account], 3), passThenRefuse(2, 1), 'the account lost one token, not five')
  // The account refused b's third request: b keeps 8 tokens. Same with the account first.
  assert.deepEqual(takesOf(limiter, [account, b], 2), passThenRefuse(0, 2))
  assert.deepEqual(takesOf(limiter, [b], 9), passThenRefuse(8, 1))
})

test('no layers at all means no limit', () => {
  const limiter = new InMemoryRateLimiter({ clock: new ManualClock() })
  assert.deepEqual(takesOf(limiter, [], 3), passThenRefuse(3, 0))
})

test('a layer with burst 0 refuses every request and takes nothing from the other layers (provisional)', () => {
  const clock = new ManualClock()
  const limiter = new InMemoryRateLimiter({ clock })
  const account = layer('account', 0.001, 2)
  const off = layer('route:off', 0, 0)
  assert.deepEqual(takesOf(limiter, [off, account], 3), passThenRefuse(0, 3))
  clock.advance(86_400_000)
  assert.equal(limiter.take([off, account]), false)
  assert.equal(limiter.take([off]), false, 'alone too')
  assert.deepEqual(takesOf(limiter, [account], 3), passThenRefuse(2, 1), 'the account still holds its burst')
})

test('changed limits for a key start a fresh, full bucket; unchanged limits keep the bucket', () => {
  const clock = new ManualClock()
  const limiter = new InMemoryRateLimiter({ clock })
  assert.deepEqual(takesOf(limiter, [layer('k', 0.001, 1)], 2), passThenRefuse(1, 1))
  assert.equal(limiter.take([layer('k', 0.001, 1)]), false, 'same limits: still empty')
  assert.deepEqual(takesOf(limiter, [layer('k', 0.001, 2)], 3), passThenRefuse(2, 1), 'new burst: a fresh bucket')
  assert.deepEqual(takesOf(limiter, [layer('k', 0.002, 2)], 3), passThenRefuse(2, 1), 'new rate: a fresh bucket')
  assert.equal(limiter.size, 1, 'the key still has one bucket')
})

test('the bucket cap evicts the oldest bucket to make room for a new key', () => {
  const limiter = new InMemoryRateLimiter({ clock: new ManualClock(), maxBuckets: 2 })
  const a = [layer('a', 0.001, 1)]
  const b = [layer('b', 0.001, 1)]
  const c = [layer('c', 0.001, 1)]
  assert.equal(limiter.take(a), true)
  assert.equal(limiter.take(b), true)
  assert.equal(limiter.take(a), false)
  assert.equal(limiter.take(b), false)
  assert.equal(limiter.size, 2)
  assert.equal(limiter.take(c), true, 'a new key gets a bucket')
  assert.equal(limiter.size, 2, 'the cap holds')
  assert.equal(limiter.take(b), false, 'b was not the oldest: still empty')
  assert.equal(limiter.take(a), true, 'a, the oldest, was dropped and starts afresh')
  assert.equal(limiter.size, 2)
  assert.equal(limiter.take(c), false, 'c is still there')
  assert.equal(limiter.take(b), true, 'b was the oldest when a came back')
})

test('changing a key\'s limits at the cap replaces its bucket without evicting another', () => {
  const limiter = new InMemoryRateLimiter({ clock: new ManualClock(), maxBuckets: 2 })
  assert.equal(limiter.take([layer('a', 0.001, 1)]), true)
  assert.equal(limiter.take([layer('b', 0.001, 1)]), true)
  assert.equal(limiter.take([layer('b', 0.001, 5)]), true)
  assert.equal(limiter.size, 2)
  assert.equal(limiter.take([layer('a', 0.001, 1)]), false, 'a was kept')
})

test('the default bucket cap is 100,000 and many keys never grow the limiter past its cap', () => {
  assert.equal(MAX_BUCKETS, 100_000)
  const limiter = new InMemoryRateLimiter({ clock: new ManualClock(), maxBuckets: 50 })
  for (let i = 0; i < 1_000; i++) assert.equal(limiter.take([layer(`k${i}`, 1, 1)]), true)
  assert.equal(limiter.size, 50)
})

test('without an injected clock the limiter uses the system clock', () => {
  const limiter = new InMemoryRateLimiter()
  const slow = [layer('slow', 0.001, 2)]
  assert.deepEqual(takesOf(limiter, slow, 3), passThenRefuse(2, 1))
})
