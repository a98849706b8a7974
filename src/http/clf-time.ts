/**
 * @module
 * CLF request time `dd/MMM/yyyy:HH:mm:ss +0000` in UTC (spec 1.3), used by `time`,
 * `requestTime` and `$context.requestTime`.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

export function clfTime(epochMillis: number): string {
  const d = new Date(epochMillis)
  return (
    `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`
  )
}
