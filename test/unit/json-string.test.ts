// util's jsonString writes a string exactly as JSON.stringify does, below and above the length
// at which it checks with a regular expression instead of a loop.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isPlainJsonString, jsonString } from '../../src/util/index.js'

test('jsonString is JSON.stringify for strings with and without characters to escape, short and long', () => {
  const specials = ['"', '\\', '\n', '\t', '\u0000', '\u001f', '\ud800', '\udfff', '\ud83d\ude00', 'é', '\u2028', '/', '\u007f']
  for (const length of [0, 1, 127, 128, 129, 900]) {
    const base = 'a'.repeat(length)
    assert.equal(jsonString(base), JSON.stringify(base))
    assert.equal(isPlainJsonString(base), true)
    assert.equal(isPlainJsonString(base + 'é/\u007f\u2028'), true)
    for (const special of specials) {
      for (const value of [special + base, base + special, base.slice(0, length >> 1) + special + base.slice(length >> 1)]) {
        assert.equal(jsonString(value), JSON.stringify(value), `${JSON.stringify(special)} in ${value.length} characters`)
        // Plain only if JSON writes it as it is (a surrogate pair, written as is, still takes JSON.stringify's path).
        if (isPlainJsonString(value)) assert.equal(JSON.stringify(value), '"' + value + '"')
      }
    }
  }
})
