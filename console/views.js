// The console's views. Each reads /console/api/… and renders with preact + htm.
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'

const statusClass = (s) => 's' + String(s)[0]
const time = (ms) => new Date(ms).toLocaleTimeString()
const pretty = (text) => {
  if (text === null || text === undefined) return ''
  if (typeof text !== 'string') return JSON.stringify(text, null, 2)
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
/** Lines joined in JavaScript: htm drops whitespace-only text with newlines from templates. */
const lines = (...parts) => parts.join('\n')
const headerText = (pairs) => (pairs ?? []).map(([n, v]) => `${n}: ${v}`).join('\n')

async function api(path, options) {
  const res = await fetch(path, options)
  const body = await res.json()
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`)
  return body
}

function postJson(path, value, method = 'POST') {
  return api(path, { method, headers: { 'content-type': 'application/json' }, body: value === undefined ? undefined : JSON.stringify(value) })
}

// --- Requests -------------------------------------------------------------------------------

/** Status filter: "", an exact code, or a class like "4xx". */
function statusMatches(filter, status) {
  if (filter === '') return true
  if (/^[1-5]xx$/i.test(filter)) return String(status)[0] === filter[0]
  return String(status) === filter
}

export function RequestsView({ requests, config, onClear }) {
  const [route, setRoute] = useState('')
  const [status, setStatus] = useState('')
  const [text, setText] = useState('')
  const [selected, setSelected] = useState(null)
  const routes = [...new Set([...(config?.config?.apis ?? []).flatMap((a) => a.routes.map((r) => r.routeKey)), ...requests.map((r) => r.routeKey).filter(Boolean)])]
  const needle = text.toLowerCase()
  const shown = requests.filter(
    (r) =>
      (route === '' || (route === '(no route)' ? r.routeKey === null : r.routeKey === route)) &&
      statusMatches(status.trim(), r.status) &&
      (needle === '' || JSON.stringify(r).toLowerCase().includes(needle))
  )
  return html`
    <div class="split">
      <div>
        <div class="filters">
          <select data-testid="filter-route" value=${route} onChange=${(e) => setRoute(e.target.value)}>
            <option value="">all routes</option>
            ${routes.map((r) => html`<option value=${r}>${r}</option>`)}
            <option value="(no route)">(no route)</option>
          </select>
          <input data-testid="filter-status" placeholder="status: 200, 4xx" size="10" value=${status} onInput=${(e) => setStatus(e.target.value)} />
          <input data-testid="filter-text" placeholder="search" value=${text} onInput=${(e) => setText(e.target.value)} />
          <button onClick=${onClear}>Clear</button>
          <span class="muted">${shown.length} of ${requests.length}</span>
        </div>
        <table data-testid="request-list">
          <thead><tr><th>time</th><th>method</th><th>path</th><th>route</th><th>stage</th><th>status</th><th>ms</th><th>error</th></tr></thead>
          <tbody>
            ${[...shown].reverse().map(
              (r) => html`
                <tr class=${'row' + (selected === r.id ? ' selected' : '')} data-request-id=${r.id} onClick=${() => setSelected(r.id)}>
                  <td>${time(r.time)}</td><td>${r.method}</td><td>${r.path}${r.query ? '?' + r.query : ''}</td>
                  <td>${r.routeKey ?? html`<span class="muted">none</span>`}</td><td>${r.stage ?? ''}</td>
                  <td class=${statusClass(r.status)}>${r.status}</td><td>${r.latency}</td>
                  <td class="error">${r.error ? `${r.error.responseType}: ${r.error.message}` : r.integrationError || r.authorizerError}</td>
                </tr>`
            )}
          </tbody>
        </table>
        ${requests.length === 0 && html`<p class="muted">Requests appear here as they happen, while this page is open.</p>`}
      </div>
      <div>${selected && html`<${RequestDetail} id=${selected} key=${selected} />`}</div>
    </div>
  `
}

function RequestDetail({ id }) {
  const [detail, setDetail] = useState(null)
  const [error, setError] = useState(null)
  const [editing, setEditing] = useState(false)
  const [answer, setAnswer] = useState(null)
  useEffect(() => {
    api(`api/requests/${id}`).then(setDetail, (e) => setError(e.message))
    // END and REPORT lines follow the answer: fetch once more for them.
    const again = setTimeout(() => api(`api/requests/${id}`).then(setDetail, () => undefined), 1000)
    return () => clearTimeout(again)
  }, [id])
  if (error) return html`<p class="error">${error}</p>`
  if (!detail) return html`<p class="muted">Loading…</p>`
  const replay = (edit) => postJson(`api/requests/${id}/replay`, edit).then(setAnswer, (e) => setAnswer({ error: e.message }))
  const d = detail
  return html`
    <div data-testid="request-detail">
      <h2>${d.method} ${d.path}${d.query ? '?' + d.query : ''} <span class=${statusClass(d.status)}>${d.status}</span></h2>
      <p class="muted">${d.id} · ${d.routeKey ?? 'no route'} · stage ${d.stage ?? '-'} · ${d.latency} ms · integration ${d.integration.type ?? 'none'}</p>
      <div class="filters">
        <button class="primary" data-testid="replay" onClick=${() => replay(undefined)}>Replay</button>
        <button data-testid="edit-replay" onClick=${() => setEditing(!editing)}>Edit and replay</button>
      </div>
      ${editing && html`<${EditForm} detail=${d} onSend=${replay} />`}
      ${answer && html`<section data-testid="replay-answer"><h3>Replay answer</h3>${answer.error ? html`<p class="error">${answer.error}</p>` : html`<pre>${lines(`HTTP ${answer.status}`, headerText(answer.headers), '', pretty(answer.body))}</pre>`}</section>`}
      ${(d.error || d.integrationError || d.authorizerError) &&
      html`<section><h3>Errors</h3><pre class="error">${[
        d.error && `$context.error.responseType: ${d.error.responseType}\n$context.error.message: ${d.error.message}`,
        d.integrationError && `$context.integrationErrorMessage: ${d.integrationError}`,
        d.authorizerError && `$context.authorizer.error: ${d.authorizerError}`,
      ].filter(Boolean).join('\n')}</pre></section>`}
      <section><h3>Request</h3><pre>${lines(headerText(d.requestHeaders), '', d.requestBody)}</pre></section>
      ${d.authorizer && html`<section data-testid="authorizer"><h3>Authorizer (${d.authorizer.type})${d.authorizer.cached === true ? ' · from cache' : d.authorizer.cached === false ? ' · invoked' : ''}</h3>
        <pre>${lines('input: ' + pretty(d.authorizer.input), '', 'decision: ' + pretty(d.authorizer.response))}</pre></section>`}
      ${d.requestMapping && html`<section><h3>Parameter mapping applied</h3><pre>${pretty(d.requestMapping)}</pre></section>`}
      ${d.lambda && html`<section data-testid="lambda-event"><h3>Lambda event</h3><pre>${pretty(d.lambda.event)}</pre></section>
        <section data-testid="lambda-result"><h3>Lambda result (${d.lambda.outcome})</h3><pre>${pretty(d.lambda.result)}</pre></section>`}
      ${d.upstream && html`<section><h3>Upstream (HTTP_PROXY)</h3><pre>${lines(`${d.upstream.method} ${d.upstream.url}`, headerText(d.upstream.headers), '', `→ ${d.upstream.status ?? 'no answer'}`, headerText(d.upstream.responseHeaders))}</pre></section>`}
      <section><h3>Response</h3><pre>${lines(headerText(d.responseHeaders), '', d.responseBody ?? '(streamed from the backend, not kept)')}</pre></section>
      <section data-testid="function-logs"><h3>Function logs</h3><pre>${d.functionLogs.length ? d.functionLogs.join('\n') : '(none)'}</pre></section>
      <section><h3>Access-log line</h3><pre>${d.accessLogLine ?? '(no access log on this stage)'}</pre></section>
    </div>
  `
}

function EditForm({ detail, onSend, initial }) {
  const [method, setMethod] = useState(initial?.method ?? detail?.method ?? 'GET')
  const [target, setTarget] = useState(initial?.target ?? (detail ? detail.path + (detail.query ? '?' + detail.query : '') : '/'))
  const [headers, setHeaders] = useState(initial?.headers ?? headerText(detail?.requestHeaders ?? []))
  const [body, setBody] = useState(initial?.body ?? detail?.requestBody ?? '')
  const send = () =>
    onSend({
      method,
      target,
      headers: headers.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
      body,
    })
  return html`
    <div class="card" data-testid="edit-form">
      <div class="filters">
        <input size="7" value=${method} onInput=${(e) => setMethod(e.target.value)} data-testid="edit-method" />
        <input size="50" value=${target} onInput=${(e) => setTarget(e.target.value)} data-testid="edit-target" />
      </div>
      <label class="muted">headers (name: value; ******** stands for the original value)</label>
      <textarea rows="6" value=${headers} onInput=${(e) => setHeaders(e.target.value)} data-testid="edit-headers"></textarea>
      <label class="muted">body</label>
      <textarea rows="4" value=${body} onInput=${(e) => setBody(e.target.value)} data-testid="edit-body"></textarea>
      <button class="primary" onClick=${send} data-testid="edit-send">Send</button>
    </div>
  `
}

// --- APIs -----------------------------------------------------------------------------------

export function ApisView({ config, onRefresh }) {
  if (!config) return html`<p class="muted">Loading…</p>`
  const { reload } = config
  const c = config.config
  return html`
    <div data-testid="apis">
      <div class="card">
        <strong>Last load or reload:</strong> ${new Date(reload.time).toLocaleString()} ·
        ${reload.ok ? html`<span class="s2">applied</span>` : html`<span class="error">failed: still serving the previous configuration</span>`}
        <button onClick=${onRefresh}>Refresh</button>
        ${reload.issues.length > 0 && html`<pre class="error" data-testid="config-problems">${reload.issues.map((i) => `${i.file}${i.line ? ':' + i.line : ''}: ${i.path}: ${i.message}`).join('\n')}</pre>`}
        ${c?.warnings?.length > 0 && html`<pre class="muted">${c.warnings.map((i) => `${i.file}${i.line ? ':' + i.line : ''}: ${i.path}: ${i.message}`).join('\n')}</pre>`}
      </div>
      ${c?.apis.map(
        (a) => html`
          <div class="card">
            <h2>${a.name} <span class="muted">${a.apiId} · HTTP</span> <a href=${'api/openapi/' + a.apiId} download>OpenAPI</a></h2>
            <p class="muted">${a.origin}</p>
            <p>Stages: ${a.stages.map((s) => html`<span class="tag">${s.stageName}${s.defaultThrottle ? ` · ${s.defaultThrottle.rateLimit}/s burst ${s.defaultThrottle.burstLimit}` : ''}${s.accessLog ? ' · access log' : ''}</span>`)}</p>
            ${a.cors && html`<p>CORS: origins ${a.cors.allowOrigins.join(', ') || '-'}; methods ${a.cors.allowMethods.join(', ') || '-'}; headers ${a.cors.allowHeaders.join(', ') || '-'}${a.cors.allowCredentials ? '; credentials' : ''}${a.cors.maxAge !== null ? `; max age ${a.cors.maxAge}` : ''}</p>`}
            <${RouteTable} routes=${a.routes} />
          </div>`
      )}
      ${c?.websocketApis.map(
        (a) => html`
          <div class="card">
            <h2>${a.name} <span class="muted">${a.apiId} · WebSocket · ${a.routeSelectionExpression}</span></h2>
            <p>Stages: ${a.stages.map((s) => html`<span class="tag">${s.stageName}</span>`)}</p>
            <${RouteTable} routes=${a.routes} />
          </div>`
      )}
    </div>
  `
}

function RouteTable({ routes }) {
  return html`
    <table>
      <thead><tr><th>route</th><th>authorization</th><th>integration</th><th>throttle (per stage)</th><th>defined at</th></tr></thead>
      <tbody>
        ${routes.map(
          (r) => html`<tr>
            <td>${r.routeKey}</td>
            <td>${r.authorization.type}${r.authorization.authorizer ? html`<br /><span class="muted">${authorizerText(r.authorization.authorizer)}</span>` : ''}${r.authorization.scopes.length ? html`<br /><span class="muted">scopes ${r.authorization.scopes.join(' ')}</span>` : ''}</td>
            <td>${r.integration ? `${r.integration.integrationType} ${r.integration.integrationUri ?? ''}` : html`<span class="muted">none</span>`}</td>
            <td>${Object.entries(r.throttle).map(([s, t]) => html`<div>${s}: ${t ? `${t.rateLimit}/s, burst ${t.burstLimit}` : 'account'}</div>`)}</td>
            <td class="muted">${r.origin}</td>
          </tr>`
        )}
      </tbody>
    </table>
  `
}

function authorizerText(a) {
  if (typeof a === 'string') return a
  if (a.authorizerType === 'JWT') return `${a.name}: JWT ${a.issuer} (aud ${a.audience.join(', ')})`
  return `${a.name}: Lambda ${a.authorizerUri}${a.resultTtlSeconds ? `, cached ${a.resultTtlSeconds}s` : ''}`
}

// --- WebSocket ------------------------------------------------------------------------------

function usePolling(path, ms) {
  const [data, setData] = useState(null)
  const [error, setError] = useState(null)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let stop = false
    const load = () => api(path).then((d) => !stop && (setData(d), setError(null)), (e) => !stop && setError(e.message))
    load()
    const timer = setInterval(load, ms)
    return () => {
      stop = true
      clearInterval(timer)
    }
  }, [path, tick])
  return [data, error, () => setTick((t) => t + 1)]
}

export function WebSocketView() {
  const [data, error, refresh] = usePolling('api/connections', 1500)
  const [selected, setSelected] = useState(null)
  if (error) return html`<p class="error">${error}</p>`
  if (!data) return html`<p class="muted">Loading…</p>`
  return html`
    <div class="split" data-testid="websocket">
      <div>
        ${data.apis.map(
          (a) => html`<div class="card">
            <h2>${a.name} <span class="muted">${a.apiId}</span></h2>
            <table>
              <thead><tr><th>connection id</th><th>stage</th><th>connected at</th><th>identity</th><th>in</th><th>out</th></tr></thead>
              <tbody>
                ${a.connections.map(
                  (c) => html`<tr class=${'row' + (selected === c.connectionId ? ' selected' : '')} data-connection-id=${c.connectionId} onClick=${() => setSelected(c.connectionId)}>
                    <td>${c.connectionId}</td><td>${c.stage}</td><td>${time(c.connectedAt)}</td>
                    <td>${c.sourceIp}${c.principalId ? ' · ' + c.principalId : ''}</td><td>${c.messagesIn}</td><td>${c.messagesOut}</td>
                  </tr>`
                )}
              </tbody>
            </table>
            ${a.connections.length === 0 && html`<p class="muted">No open connections.</p>`}
          </div>`
        )}
        ${data.apis.length === 0 && html`<p class="muted">No WebSocket APIs in this configuration.</p>`}
      </div>
      <div>${selected && html`<${ConnectionDetail} id=${selected} key=${selected} onGone=${() => (setSelected(null), refresh())} />`}</div>
    </div>
  `
}

function ConnectionDetail({ id, onGone }) {
  const [data, error] = usePolling(`api/connections/${id}`, 1000)
  const [message, setMessage] = useState('')
  const [result, setResult] = useState(null)
  const send = () => postJson(`api/connections/${id}/messages`, { data: message }).then(() => setResult('sent'), (e) => setResult(e.message))
  const disconnect = () => api(`api/connections/${id}`, { method: 'DELETE' }).then(onGone, (e) => setResult(e.message))
  if (error) return html`<p class="error">${error}</p>`
  if (!data) return html`<p class="muted">Loading…</p>`
  return html`
    <div data-testid="connection-detail">
      <h2>${id}</h2>
      <pre>${pretty(data.connection)}</pre>
      <div class="filters">
        <input size="40" placeholder="message to send through @connections" value=${message} onInput=${(e) => setMessage(e.target.value)} data-testid="ws-message" />
        <button class="primary" onClick=${send} data-testid="ws-send">Send</button>
        <button onClick=${disconnect} data-testid="ws-disconnect">Disconnect</button>
        ${result && html`<span class="muted">${result}</span>`}
      </div>
      <h3>Messages</h3>
      <pre data-testid="ws-log">${data.messages.map((m) => `${time(m.time)} ${m.direction === 'in' ? '→' : '←'} ${m.data}`).join('\n') || '(none yet)'}</pre>
    </div>
  `
}

// --- Functions ------------------------------------------------------------------------------

export function FunctionsView({ logs }) {
  const [data, error] = usePolling('api/functions', 2000)
  if (error) return html`<p class="error">${error}</p>`
  if (!data) return html`<p class="muted">Loading…</p>`
  const tail = [...data.tail, ...logs].slice(-300)
  return html`
    <div data-testid="functions">
      <table>
        <thead><tr><th>function</th><th>handler</th><th>warm</th><th>busy</th><th>cold starts</th><th>invocations</th><th>errors</th><th>timeouts</th><th>avg ms</th><th>max ms</th></tr></thead>
        <tbody>
          ${data.functions.map(
            (f) => html`<tr data-function=${f.name}>
              <td>${f.name}</td><td class="muted">${f.handler}</td><td>${f.warm}</td><td>${f.busy}</td><td>${f.coldStarts}</td>
              <td>${f.invocations}</td><td class=${f.errors ? 'error' : ''}>${f.errors}</td><td class=${f.timeouts ? 'error' : ''}>${f.timeouts}</td>
              <td>${f.invocations ? (f.totalDurationMs / f.invocations).toFixed(1) : '-'}</td><td>${f.invocations ? f.maxDurationMs.toFixed(1) : '-'}</td>
            </tr>`
          )}
        </tbody>
      </table>
      <h3>Log tail</h3>
      <pre data-testid="log-tail">${[...new Set(tail)].join('\n') || '(no function output since the console opened)'}</pre>
    </div>
  `
}

// --- Tokens ---------------------------------------------------------------------------------

export function TokensView({ config }) {
  const [issuer, setIssuer] = useState(null)
  const [sub, setSub] = useState('dev-user')
  const [scope, setScope] = useState('')
  const [aud, setAud] = useState('')
  const [minted, setMinted] = useState(null)
  const [answer, setAnswer] = useState(null)
  useEffect(() => {
    api('api/tokens').then(setIssuer, (e) => setIssuer({ error: e.message }))
  }, [])
  const jwtRoutes = (config?.config?.apis ?? []).flatMap((a) =>
    a.routes.filter((r) => r.authorization.type === 'JWT').map((r) => ({ api: a, route: r }))
  )
  const mint = () =>
    postJson('api/tokens', { sub, scope: scope.split(/\s+/).filter(Boolean), aud: aud.split(/[\s,]+/).filter(Boolean) }).then(setMinted, (e) => setMinted({ error: e.message }))
  const call = (target, method) =>
    postJson('api/send', { method, target, headers: [['authorization', `Bearer ${minted.token}`]] }).then(setAnswer, (e) => setAnswer({ error: e.message }))
  return html`
    <div data-testid="tokens">
      <div class="card">
        <p>Gatehouse's development issuer signs tokens that a JWT authorizer configured with its issuer accepts.</p>
        ${issuer?.error ? html`<p class="error">${issuer.error}</p>` : issuer && html`<pre>${lines('issuer: ' + issuer.issuer, 'jwks:   ' + issuer.jwksUri)}</pre>`}
        <div class="filters">
          <label>sub <input value=${sub} onInput=${(e) => setSub(e.target.value)} data-testid="token-sub" /></label>
          <label>scope <input value=${scope} onInput=${(e) => setScope(e.target.value)} placeholder="read write" data-testid="token-scope" /></label>
          <label>aud <input value=${aud} onInput=${(e) => setAud(e.target.value)} placeholder="audience" data-testid="token-aud" /></label>
          <button class="primary" onClick=${mint} data-testid="token-mint">Mint token</button>
        </div>
        ${minted?.error && html`<p class="error">${minted.error}</p>`}
        ${minted?.token && html`<pre data-testid="token-value">${minted.token}</pre><pre>${pretty(minted.claims)}</pre>`}
      </div>
      ${minted?.token && html`<div class="card">
        <h3>Call a JWT route with it</h3>
        ${jwtRoutes.length === 0 && html`<p class="muted">No route uses a JWT authorizer.</p>`}
        ${jwtRoutes.map(({ route }) => {
          const [method, path] = route.routeKey.split(' ')
          const target = (path ?? '/').replace(/\{[^}]+\}/g, 'example')
          const m = method === 'ANY' || route.routeKey === '$default' ? 'GET' : method
          return html`<div><button data-testid="call-route" data-route=${route.routeKey} onClick=${() => call(target, m)}>${m} ${target}</button> <span class="muted">${route.routeKey}</span></div>`
        })}
        ${answer && html`<pre data-testid="call-answer">${answer.error ? answer.error : `HTTP ${answer.status}\n${headerText(answer.headers)}\n\n${pretty(answer.body)}`}</pre>`}
      </div>`}
    </div>
  `
}
