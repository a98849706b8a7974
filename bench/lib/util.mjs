// Small helpers shared by the benchmarks.

export function round(n, digits) {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

export function indent(text) {
  return text.split('\n').map((l) => '    ' + l).join('\n')
}

export function delay(ms) {
  return new Promise((r) => setTimeout(r, ms).unref())
}

/** Prints rows of strings as columns: the first row is the header, the first column left-aligned. */
export function printColumns(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')
  console.log(line(rows[0]))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows.slice(1)) console.log(line(row))
}
