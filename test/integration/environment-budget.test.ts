// Idle execution environments are reclaimed, and environments of all functions together
// stay under the global cap (maxEnvironments).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'

function twoFunctions(): object {
  const integration = (id: string) => ({ integrationId: id, integrationType: 'AWS_PROXY', integrationUri: id, payloadFormatVersion: '2.0', timeoutInMillis: 30000 })
  return {
    functions: { a: { handler: 'scripted.handler', timeout: 20 }, b: { handler: 'scripted.handler', timeout: 20 } },
    apis: [
      {
        name: 'budget',
        routes: [
          { routeKey: 'POST /a', target: 'integrations/a' },
          { routeKey: 'POST /b', target: 'integrations/b' },
        ],
        integrations: [integration('a'), integration('b')],
      },
    ],
  }
}

function call(url: string, path: string, sleepMs: number) {
  return http(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sleepMs }) })
}

test('after a burst, environments idle longer than idleTimeoutMs are reclaimed: none is left', async (t) => {
  const { url, gateway } = await startGateway(t, twoFunctions(), { environments: { idleTimeoutMs: 200 } })
  const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => call(url, i % 2 === 0 ? '/a' : '/b', 300)))
  for (const res of burst) assert.equal(res.status, 200, res.text)
  assert.ok(gateway.environments.peak >= 2, JSON.stringify(gateway.environments))
  for (let i = 0; i < 200 && gateway.environments.alive > 0; i++) await sleep(50)
  assert.equal(gateway.environments.alive, 0)
  // A reclaimed function still answers (cold start).
  assert.equal((await call(url, '/a', 0)).status, 200)
})

test('a burst across two functions stays under the global cap (maxEnvironments), and every invocation is served', async (t) => {
  const { url, gateway } = await startGateway(t, twoFunctions(), { environments: { maxEnvironments: 2 } })
  const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => call(url, i % 2 === 0 ? '/a' : '/b', 50)))
  for (const res of burst) assert.equal(res.status, 200, res.text)
  assert.ok(gateway.environments.peak <= 2, JSON.stringify(gateway.environments))
  // Only /a's environments idle now (or both): /b in turn evicts the least recently used idle one.
  const sequential = [await call(url, '/a', 0), await call(url, '/a', 0), await call(url, '/b', 0), await call(url, '/b', 0)]
  for (const res of sequential) assert.equal(res.status, 200, res.text)
  assert.ok(gateway.environments.alive <= 2 && gateway.environments.peak <= 2, JSON.stringify(gateway.environments))
})

test('at the global cap, a cold start evicts the least recently used idle environment of another function', async (t) => {
  const { url, gateway, logs } = await startGateway(t, twoFunctions(), { environments: { maxEnvironments: 1 } })
  for (const path of ['/a', '/b', '/a', '/b']) assert.equal((await call(url, path, 0)).status, 200)
  assert.deepEqual({ alive: gateway.environments.alive, peak: gateway.environments.peak }, { alive: 1, peak: 1 })
  // Every call was a cold start: each evicted the other function's idle environment.
  assert.equal(logs.filter((l) => l.startsWith('REPORT') && l.includes('Init Duration')).length, 4)
})
