// The console in a real Chromium (playwright-core, Debian's chromium): open it from the URL
// the gateway prints, make requests and see them appear live with their Lambda event, function
// logs and authorizer decision, replay one, send a WebSocket message to a real client, and
// draw the metrics. Screenshots go to build/artifacts/console/. No network beyond the gateway:
// every other URL is refused, so the console proves it works offline.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway } from '../helpers/gateway.js'
import { DEV_AUDIENCE, DEV_ISSUER } from '../../src/auth/index.js'
import { http } from '../helpers/http.js'
import { openPage } from '../helpers/browser.js'
import { connectClient } from '../helpers/ws-client.js'

const WAIT = { timeout: 15_000 }

function browserConfig(): object {
  return {
    functions: { echo: { handler: 'echo.handler' }, chatty: { handler: 'lambda-console.handler' }, wsconnect: { handler: 'ws-log.connect' }, wsecho: { handler: 'ws-log.echo' } },
    apis: [
      {
        name: 'browser-http',
        apiId: 'browserapi',
        routes: [
          { routeKey: 'GET /echo', target: 'integrations/echo' },
          { routeKey: 'GET /chatty', target: 'integrations/chatty' },
          { routeKey: 'GET /private', target: 'integrations/echo', authorizationType: 'JWT', authorizerId: 'dev' },
        ],
        authorizers: [
          { authorizerId: 'dev', name: 'dev', authorizerType: 'JWT', identitySource: '$request.header.Authorization', jwtConfiguration: { issuer: DEV_ISSUER, audience: [DEV_AUDIENCE] } },
        ],
        integrations: [
          { integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' },
          { integrationId: 'chatty', integrationType: 'AWS_PROXY', integrationUri: 'chatty', payloadFormatVersion: '2.0' },
        ],
      },
      {
        name: 'browser-ws',
        apiId: 'browserws1',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          { routeKey: '$connect', target: 'integrations/connect' },
          { routeKey: '$default', target: 'integrations/echo', routeResponseSelectionExpression: '$default' },
        ],
        integrations: [
          { integrationId: 'connect', integrationType: 'AWS_PROXY', integrationUri: 'wsconnect' },
          { integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'wsecho' },
        ],
        stages: [{ stageName: 'prod' }],
      },
    ],
  }
}

test('the console shows a live request with its event and logs, replays it, sends a WebSocket message, mints a token and calls a JWT route', async (t: TestContext) => {
  const keys = mkdtempSync(join(tmpdir(), 'gatehouse-browser-keys-'))
  t.after(() => rmSync(keys, { recursive: true, force: true }))
  const { gateway, url } = await startGateway(t, browserConfig(), { admin: {}, devIssuerKeyFile: join(keys, 'dev-issuer.json') })
  const { page, errors, screenshot } = await openPage(t, gateway.consoleUrl)
  await page.locator('[data-testid=live]', { hasText: 'live' }).waitFor(WAIT)
  assert.equal(await page.getByText('Loading the Gatehouse console').count(), 0, 'the page replaced its loading text')

  // A request made by another client appears in the list while the page is open.
  const sent = await http(`${url}/chatty`, { headers: { authorization: 'Bearer do-not-show-me' } })
  assert.equal(sent.status, 200)
  const id = String(sent.headers['apigw-requestid'])
  const row = page.locator(`tr[data-request-id="${id}"]`)
  await row.waitFor(WAIT)
  assert.match(await row.innerText(), /GET\s+\/chatty\s+GET \/chatty\s+\$default\s+200/)

  // Its detail: the Lambda event, the raw result and the function's log lines; the token masked.
  await row.click()
  const event = page.locator('[data-testid=lambda-event]')
  await event.waitFor(WAIT)
  assert.match(await event.innerText(), /"routeKey": "GET \/chatty"/)
  assert.match(await page.locator('[data-testid=lambda-result]').innerText(), /"statusCode": 200/)
  await page.locator('[data-testid=function-logs]', { hasText: 'info line' }).waitFor(WAIT)
  assert.match(await page.locator('[data-testid=request-detail]').innerText(), /content-type: text\/plain\n\n[0-9a-f-]{36}/, 'response headers, a blank line, the body')
  assert.ok(!(await page.locator('[data-testid=request-detail]').innerText()).includes('do-not-show-me'), 'the token is masked')
  await screenshot('request-detail')

  // Replay: the answer is shown and the replayed request joins the list.
  const rowsBefore = await page.locator('tr.row').count()
  await page.locator('[data-testid=replay]').click()
  await page.locator('[data-testid=replay-answer]', { hasText: 'HTTP 200' }).waitFor(WAIT)
  await page.waitForFunction(`document.querySelectorAll('tr.row').length === ${rowsBefore + 1}`, undefined, WAIT)

  // Edit and replay: another path.
  await page.locator('[data-testid=edit-replay]').click()
  await page.locator('[data-testid=edit-target]').fill('/echo?from=browser')
  await page.locator('[data-testid=edit-send]').click()
  await page.locator('[data-testid=replay-answer]', { hasText: '"rawQueryString": "from=browser"' }).waitFor(WAIT)

  // Filters: by status and by text.
  await http(`${url}/missing`)
  await page.locator('tr.row', { hasText: '/missing' }).waitFor(WAIT)
  await page.locator('[data-testid=filter-status]').fill('4xx')
  await page.waitForFunction(`[...document.querySelectorAll('tr.row')].every((r) => r.textContent.includes('404'))`, undefined, WAIT)
  await page.locator('[data-testid=filter-status]').fill('')
  await page.locator('[data-testid=filter-text]').fill('from=browser')
  await page.waitForFunction(`document.querySelectorAll('tr.row').length === 1`, undefined, WAIT)
  await page.locator('[data-testid=filter-text]').fill('')
  await screenshot('requests')

  // WebSocket: a real client connects; the console sends it a message.
  const client = await connectClient(t, `${url.replace(/^http/, 'ws')}/prod`)
  await client.ask({ action: 'hi' })
  await page.locator('a[data-tab=websocket]').click()
  const connectionRow = page.locator('tr[data-connection-id]').first()
  await connectionRow.waitFor(WAIT)
  await connectionRow.click()
  await page.locator('[data-testid=ws-log]', { hasText: '{"action":"hi"}' }).waitFor(WAIT)
  await page.locator('[data-testid=ws-message]').fill('hello from the console')
  await page.locator('[data-testid=ws-send]').click()
  assert.equal(await client.nextText(), 'hello from the console')
  await screenshot('websocket')

  // Tokens: mint one from the development issuer and call the JWT route with it.
  await page.locator('a[data-tab=tokens]').click()
  await page.locator('[data-testid=token-sub]').fill('browser-user')
  await page.locator('[data-testid=token-mint]').click()
  await page.locator('[data-testid=token-value]').waitFor(WAIT)
  await page.locator('[data-testid=call-route][data-route="GET /private"]').click()
  const called = page.locator('[data-testid=call-answer]', { hasText: 'HTTP 200' })
  await called.waitFor(WAIT)
  assert.match(await called.innerText(), /"sub": "browser-user"/)
  await screenshot('tokens')

  // APIs page and metrics charts draw without errors.
  await page.locator('a[data-tab=apis]').click()
  await page.locator('[data-testid=apis]', { hasText: 'GET /chatty' }).waitFor(WAIT)
  await screenshot('apis')
  await page.locator('a[data-tab=functions]').click()
  await page.locator('tr[data-function=chatty]').waitFor(WAIT)
  await screenshot('functions')
  await page.locator('a[data-tab=metrics]').click()
  // Two readings of /metrics give the first point; a request between them makes the rate positive.
  await page.locator('[data-series*="GET /chatty"] polyline').first().waitFor({ ...WAIT, state: 'attached' })
  await http(`${url}/chatty`)
  await page.locator('[data-series*="GET /chatty"]', { hasText: /requests\/s · max 0\.[0-9]*[1-9]/ }).waitFor(WAIT)
  await screenshot('metrics')

  assert.deepEqual(errors, [])
})
