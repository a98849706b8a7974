// The runtime fields of a function in gatehouse.yaml (runtime, codeUri, layers, isolation,
// interpreter): what is refused, with the path of the field.
import { test } from 'node:test'
import { rejectsConfig } from '../helpers/gateway.js'

function withFunction(fn: Record<string, unknown>): object {
  return {
    functions: { fn: { handler: 'echo.handler', ...fn } },
    apis: [{ name: 'a', routes: [{ routeKey: '$default', target: 'integrations/i' }], integrations: [{ integrationId: 'i', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0' }] }],
  }
}

test('an unknown runtime is refused, listing the supported ones', async (t) => {
  await rejectsConfig(
    t,
    withFunction({ runtime: 'java21' }),
    /^runtime "java21" is not supported \(supported: nodejs18\.x, nodejs20\.x, nodejs22\.x, nodejs24\.x, python3\.9, python3\.10, python3\.11, python3\.12, python3\.13, python3\.14, provided, provided\.al2, provided\.al2023\)$/,
    /^functions\.fn\.runtime$/
  )
})

test('a codeUri or layer folder that does not exist is refused', async (t) => {
  await rejectsConfig(t, withFunction({ codeUri: 'no/such/folder' }), /^codeUri folder not found: .*no\/such\/folder$/, /^functions\.fn\.codeUri$/)
  await rejectsConfig(t, withFunction({ layers: ['no-layer-here'] }), /^layer folder not found: .*no-layer-here$/, /^functions\.fn\.layers\[0\]$/)
})

test('isolation is for Node.js runtimes, interpreter for Python runtimes', async (t) => {
  await rejectsConfig(t, withFunction({ runtime: 'python3.12', isolation: 'worker' }), /^isolation applies to Node\.js runtimes only \(python3\.12 always runs as a process\)$/, /^functions\.fn\.isolation$/)
  await rejectsConfig(t, withFunction({ interpreter: '/usr/bin/python3' }), /^interpreter applies to Python runtimes only$/, /^functions\.fn\.interpreter$/)
  await rejectsConfig(t, withFunction({ isolation: 'container' }), /^must be one of worker, process$/, /^functions\.fn\.isolation$/)
})
