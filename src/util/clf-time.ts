/**
 * @module
 * CLF request time `dd/MMM/yyyy:HH:mm:ss +0000` in UTC (spec 1.3), used by `time`,
 * `requestTime` and `$context.requestTime`.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

// Requests in the same second share one string.
let cachedSecond = -1
let cachedText = ''

export function clfTime(epochMillis: number): string {
  const second = Math.floor(epochMillis / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedText = format(new Date(second * 1000))
  }
  return cachedText
}

function format(d: Date): string {
  return (
    `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`
  )
}
