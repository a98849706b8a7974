// How many workers `gatehouse serve` runs without --workers (issue 16, target 6).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { availableParallelism } from 'node:os'
import { defaultWorkers } from '../../src/workers/index.js'

test('one worker per core with NODE_ENV=production, one otherwise', () => {
  assert.equal(defaultWorkers({ NODE_ENV: 'production' }), availableParallelism())
  assert.equal(defaultWorkers({}), 1)
  assert.equal(defaultWorkers({ NODE_ENV: 'development' }), 1)
  assert.equal(defaultWorkers({ NODE_ENV: 'test' }), 1)
})
