// Metrics charts: the console reads the admin listener's Prometheus /metrics every few
// seconds and draws, per route, request rate, error rate and latency percentiles computed
// from the difference between two readings (the histogram buckets give the percentiles).
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'

const SAMPLE_MS = 2000
const MAX_POINTS = 90

/** Parses Prometheus text into { [seriesLabels]: { count, c4xx, c5xx, buckets: [[le, n]] } }. */
export function parseMetrics(text) {
  const out = {}
  const series = (labels) => (out[labels] ??= { count: 0, c4xx: 0, c5xx: 0, buckets: [] })
  for (const line of text.split('\n')) {
    const m = /^(apigateway_[a-z0-9_]+)\{(.*)\} ([0-9.eE+-]+)$/.exec(line)
    if (!m) continue
    const [, name, rawLabels, value] = m
    const le = /,le="([^"]+)"$/.exec(rawLabels)
    const labels = le ? rawLabels.slice(0, le.index) : rawLabels
    const n = Number(value)
    if (name === 'apigateway_count') series(labels).count = n
    else if (name === 'apigateway_4xx') series(labels).c4xx = n
    else if (name === 'apigateway_5xx') series(labels).c5xx = n
    else if (name === 'apigateway_latency_milliseconds_bucket' && le) series(labels).buckets.push([le[1] === '+Inf' ? Infinity : Number(le[1]), n])
  }
  return out
}

/** The q-quantile of the requests between two cumulative bucket readings (upper bucket bound, as Prometheus' histogram_quantile without interpolation). */
export function quantile(q, before, after) {
  const deltas = after.map(([le, n], i) => [le, n - (before[i]?.[1] ?? 0)])
  const total = deltas.at(-1)?.[1] ?? 0
  if (total <= 0) return null
  const rank = q * total
  for (const [le, n] of deltas) if (n >= rank) return le === Infinity ? (deltas.at(-2)?.[0] ?? 0) : le
  return null
}

function label(labels) {
  const get = (k) => new RegExp(`${k}="([^"]*)"`).exec(labels)?.[1] ?? ''
  return `${get('api')} ${get('stage')} ${get('route')}`
}

export function MetricsView() {
  const [history, setHistory] = useState({})
  const [error, setError] = useState(null)
  useEffect(() => {
    let previous = null
    let stop = false
    const sample = async () => {
      try {
        const text = await (await fetch('../metrics')).text()
        const now = Date.now()
        const current = parseMetrics(text)
        if (previous && !stop) {
          const dt = (now - previous.time) / 1000
          setHistory((h) => {
            const next = { ...h }
            for (const [labels, s] of Object.entries(current)) {
              const p = previous.data[labels] ?? { count: 0, c4xx: 0, c5xx: 0, buckets: s.buckets.map(([le]) => [le, 0]) }
              const requests = s.count - p.count
              const point = {
                t: now,
                rate: requests / dt,
                errorRate: requests > 0 ? (s.c4xx + s.c5xx - p.c4xx - p.c5xx) / requests : 0,
                p50: quantile(0.5, p.buckets, s.buckets),
                p95: quantile(0.95, p.buckets, s.buckets),
                p99: quantile(0.99, p.buckets, s.buckets),
              }
              next[labels] = [...(h[labels] ?? []), point].slice(-MAX_POINTS)
            }
            return next
          })
        }
        previous = { time: now, data: current }
        setError(null)
      } catch (e) {
        setError(e.message)
      }
    }
    sample()
    const timer = setInterval(sample, SAMPLE_MS)
    return () => {
      stop = true
      clearInterval(timer)
    }
  }, [])
  const entries = Object.entries(history)
  return html`
    <div data-testid="metrics">
      ${error && html`<p class="error">${error}</p>`}
      <p class="muted">From /metrics every ${SAMPLE_MS / 1000} s: requests per second, share of 4xx and 5xx, latency percentiles (bucket bounds).</p>
      ${entries.length === 0 && html`<p class="muted">Waiting for two readings…</p>`}
      <div class="charts">
        ${entries.map(
          ([labels, points]) => html`<div class="card" data-series=${label(labels)}>
            <strong>${label(labels)}</strong>
            <${Chart} title="requests/s" points=${points} lines=${[['rate', '#3451b2']]} />
            <${Chart} title="error rate" points=${points} lines=${[['errorRate', '#c5221f']]} max=${1} />
            <${Chart} title="latency ms (p50 p95 p99)" points=${points} lines=${[['p50', '#137333'], ['p95', '#b06000'], ['p99', '#c5221f']]} />
          </div>`
        )}
      </div>
    </div>
  `
}

function Chart({ title, points, lines, max }) {
  const w = 400
  const h = 80
  const values = points.flatMap((p) => lines.map(([k]) => p[k]).filter((v) => v !== null && Number.isFinite(v)))
  const top = max ?? (Math.max(0, ...values) || 1)
  const x = (i) => (points.length <= 1 ? 0 : (i / (points.length - 1)) * w)
  const y = (v) => h - (v / top) * (h - 10)
  return html`
    <svg width=${w} height=${h + 14} viewBox=${`0 0 ${w} ${h + 14}`}>
      <text x="2" y="10">${title} · max ${Number(top.toPrecision(3))}</text>
      ${lines.map(([k, color]) => {
        const d = points.map((p, i) => (p[k] === null ? null : `${x(i)},${y(p[k])}`)).filter(Boolean).join(' ')
        return html`<polyline fill="none" stroke=${color} stroke-width="1.5" points=${d} />`
      })}
      <line x1="0" y1=${h} x2=${w} y2=${h} stroke="#e3e6ec" />
    </svg>
  `
}
