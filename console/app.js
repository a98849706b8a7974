// The Gatehouse console: one page, tabs for each view. Data comes from /console/api/ (JSON)
// and /console/api/events (server-sent events); preact and htm are served by the gateway
// itself (see the import map in index.html), so the console works offline.
import { render } from 'preact'
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { RequestsView } from './views.js'
import { ApisView, WebSocketView, FunctionsView, TokensView } from './views.js'
import { MetricsView } from './charts.js'

const TABS = [
  ['requests', 'Requests'],
  ['apis', 'APIs'],
  ['websocket', 'WebSocket'],
  ['functions', 'Functions'],
  ['tokens', 'Tokens'],
  ['metrics', 'Metrics'],
]

/** Kept requests in arrival order; the stream appends, the server keeps the same bound. */
const MAX_KEPT = 500

function App() {
  const [tab, setTab] = useState(location.hash.slice(1) || 'requests')
  const [requests, setRequests] = useState([])
  const [logs, setLogs] = useState([])
  const [live, setLive] = useState(false)
  const [dropped, setDropped] = useState(0)
  const [config, setConfig] = useState(null)

  useEffect(() => {
    const onHash = () => setTab(location.hash.slice(1) || 'requests')
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])

  useEffect(() => {
    fetch('api/config').then((r) => r.json()).then(setConfig)
    const source = new EventSource('api/events')
    const resync = () => fetch('api/requests').then((r) => r.json()).then((body) => setRequests((now) => merge(body.requests, now)))
    source.addEventListener('hello', () => {
      setLive(true)
      resync()
    })
    // The gateway sends what happened in batches, a few a second.
    source.addEventListener('requests', (e) => {
      const batch = JSON.parse(e.data)
      setRequests((now) => merge(now, batch))
    })
    source.addEventListener('function-logs', (e) => {
      const lines = JSON.parse(e.data)
      setLogs((now) => [...now, ...lines].slice(-1000))
    })
    // This page read too slowly and missed records: say so, and list the kept requests again.
    source.addEventListener('dropped', (e) => {
      setDropped((n) => n + JSON.parse(e.data).dropped)
      resync()
    })
    source.onerror = () => setLive(false)
    return () => source.close()
  }, [])

  const reloadConfig = () => fetch('api/config').then((r) => r.json()).then(setConfig)
  return html`
    <header>
      <h1>Gatehouse</h1>
      <nav>
        ${TABS.map(([id, label]) => html`<a href=${'#' + id} class=${tab === id ? 'active' : ''} data-tab=${id}>${label}</a>`)}
      </nav>
      <span class=${'live ' + (live ? 'on' : 'off')} data-testid="live">${live ? 'live' : 'disconnected'}</span>
      ${dropped > 0 && html`<span class="dropped" data-testid="dropped" title="The console read too slowly: the gateway dropped these live records rather than hold them">${dropped} dropped</span>`}
    </header>
    <main>
      ${tab === 'requests' && html`<${RequestsView} requests=${requests} config=${config} onClear=${() => fetch('api/requests', { method: 'DELETE' }).then(() => setRequests([]))} />`}
      ${tab === 'apis' && html`<${ApisView} config=${config} onRefresh=${reloadConfig} />`}
      ${tab === 'websocket' && html`<${WebSocketView} />`}
      ${tab === 'functions' && html`<${FunctionsView} logs=${logs} />`}
      ${tab === 'tokens' && html`<${TokensView} config=${config} />`}
      ${tab === 'metrics' && html`<${MetricsView} />`}
    </main>
  `
}

function merge(a, b) {
  const seen = new Map()
  for (const r of a) seen.set(r.id, r)
  for (const r of b) seen.set(r.id, r)
  return [...seen.values()].sort((x, y) => x.time - y.time).slice(-MAX_KEPT)
}

const root = document.getElementById('app')
// Preact 11 renders beside existing children: drop the loading text first.
root.textContent = ''
render(html`<${App} />`, root)
